package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/apps"
)

// addAppsFlag registers --apps.
func (c *config) addAppsFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.Apps, "apps", env("APPS", ""),
		"folder of custom app documents (*.json, format hookflow/app-v1) to add to the shipped apps (env HOOKFLOW_APPS)")
}

// loadApps adds the custom apps of --apps. A file that is not a valid app
// is refused with its path and field in one log line, and the others load
// all the same; only a folder that cannot be read stops the start.
func (c *config) loadApps(log *slog.Logger) error {
	if c.Apps == "" {
		return nil
	}
	loaded, errs, err := apps.LoadDir(c.Apps)
	if err != nil {
		return err
	}
	for _, e := range errs {
		log.Error("app refused: "+e.Error(), "apps", c.Apps)
	}
	for _, a := range loaded {
		log.Info("app loaded", "app", a.ID, "name", a.Name, "actions", len(a.Actions))
	}
	return nil
}

// validateApps checks the app documents among files (those whose format
// is hookflow/app-v1), printing each one's result, and adds the valid
// ones so that workflows checked after may use them. It gives the other
// files, and how many app documents were bad.
func validateApps(cmd *cobra.Command, files []string) (rest []string, bad int) {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || !apps.IsApp(data) {
			rest = append(rest, f) // a workflow's, or unreadable: loadFile says so
			continue
		}
		a, err := apps.Decode(data, f)
		if err == nil {
			err = apps.Add(a, f)
		}
		if err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), err)
			bad++
			continue
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (app %s, %d action%s)\n", f, a.ID, len(a.Actions), plural(len(a.Actions)))
	}
	return rest, bad
}
