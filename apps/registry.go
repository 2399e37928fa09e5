package apps

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed shipped/*.json
var shippedFiles embed.FS

// registry holds the apps a step may use: the shipped ones, and those
// loaded from a folder when the server starts.
var registry = struct {
	sync.RWMutex
	apps    map[string]*App
	shipped map[string]bool
}{apps: map[string]*App{}, shipped: map[string]bool{}}

func init() {
	files, err := shippedFiles.ReadDir("shipped")
	if err != nil {
		panic(fmt.Sprintf("apps: shipped apps: %v", err))
	}
	for _, f := range files {
		name := "shipped/" + f.Name()
		data, err := shippedFiles.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("apps: %s: %v", name, err))
		}
		a, err := Decode(data, name)
		if err != nil {
			// A shipped app is part of the program: its mistake is the
			// program's, caught by the package's tests.
			panic(fmt.Sprintf("apps: %v", err))
		}
		if registry.apps[a.ID] != nil {
			panic(fmt.Sprintf("apps: %s: id %q is taken by another shipped app", name, a.ID))
		}
		registry.apps[a.ID] = a
		registry.shipped[a.ID] = true
	}
}

// Lookup returns the app of an id.
func Lookup(id string) (*App, bool) {
	registry.RLock()
	defer registry.RUnlock()
	a, ok := registry.apps[id]
	return a, ok
}

// Shipped reports whether the app of an id is one Hookflow ships.
func Shipped(id string) bool {
	registry.RLock()
	defer registry.RUnlock()
	return registry.shipped[id]
}

// List returns every app, by category then name.
func List() []*App {
	registry.RLock()
	out := make([]*App, 0, len(registry.apps))
	for _, a := range registry.apps {
		out = append(out, a)
	}
	registry.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// IDs lists every app's id, sorted.
func IDs() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.apps))
	for id := range registry.apps {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// ErrShippedID is the error for a custom app whose id is a shipped app's.
var ErrShippedID = errors.New("is the id of a shipped app; choose another")

// Add adds an app from outside the binary (a custom app); file names it
// in errors. An app of a shipped app's id is refused; one of another
// custom app's id replaces it.
func Add(a *App, file string) error {
	if err := Validate(a, file); err != nil {
		return err
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.shipped[a.ID] {
		return &Error{File: file, Field: "id", Message: fmt.Sprintf("%q %v", a.ID, ErrShippedID)}
	}
	registry.apps[a.ID] = a
	return nil
}

// Remove takes a custom app out (a shipped app stays): for tests that
// load an app of their own.
func Remove(id string) {
	registry.Lock()
	defer registry.Unlock()
	if !registry.shipped[id] {
		delete(registry.apps, id)
	}
}

// LoadDir reads every *.json app document in dir and adds those that are
// valid. A file that is not is skipped, with its error in errs (naming
// its path and field); the others load all the same. err is set only
// where the folder cannot be read.
func LoadDir(dir string) (loaded []*App, errs []error, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("apps folder %s: %w", dir, err)
	}
	if _, serr := os.Stat(dir); serr != nil {
		return nil, nil, fmt.Errorf("apps folder: %w", serr)
	}
	sort.Strings(files)
	ids := map[string]string{}
	for _, file := range files {
		data, rerr := os.ReadFile(file)
		if rerr != nil {
			errs = append(errs, &Error{File: file, Message: strings.TrimPrefix(rerr.Error(), "open "+file+": ")})
			continue
		}
		a, derr := Decode(data, file)
		if derr != nil {
			errs = append(errs, derr)
			continue
		}
		if other, ok := ids[a.ID]; ok {
			errs = append(errs, &Error{File: file, Field: "id", Message: fmt.Sprintf("%q is the id of %s too", a.ID, other)})
			continue
		}
		if aerr := Add(a, file); aerr != nil {
			errs = append(errs, aerr)
			continue
		}
		ids[a.ID] = file
		loaded = append(loaded, a)
	}
	return loaded, errs, nil
}
