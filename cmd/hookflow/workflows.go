package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// definitionFiles expands the arguments: files as given, directories to
// their *.json files.
func definitionFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, errors.Unwrap(err))
		}
		if !info.IsDir() {
			files = append(files, a)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		files = append(files, matches...)
	}
	return files, nil
}

// loadFile reads and validates every definition in one file.
func loadFile(path string) ([]*workflows.Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	ws, err := workflows.DecodeBundle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, locate(err))
	}
	for _, w := range ws {
		if err := workflows.Validate(w); err != nil {
			return nil, fmt.Errorf("%s: %s", path, locate(err))
		}
	}
	return ws, nil
}

// locate renders a definition error as step:field: message.
func locate(err error) string {
	var fe *workflows.FieldError
	if !errors.As(err, &fe) {
		return err.Error()
	}
	loc := ""
	if fe.Line > 0 {
		loc = fmt.Sprintf(" (%d:%d)", fe.Line, fe.Column)
	}
	if fe.Step != "" {
		return fmt.Sprintf("%s:%s: %s%s", fe.Step, fe.Field, fe.Message, loc)
	}
	return fmt.Sprintf("%s: %s%s", fe.Field, fe.Message, loc)
}

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|DIR ...",
		Short: "Check workflow definitions and app documents offline; exit 1 naming file:step:field (file: action: field) and the error",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := definitionFiles(args)
			if err != nil {
				return err
			}
			// App documents first, so that the workflows after may use them.
			files, bad := validateApps(cmd, files)
			for _, f := range files {
				ws, err := loadFile(f)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					bad++
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d workflow%s)\n", f, len(ws), plural(len(ws)))
			}
			if bad > 0 {
				return exitCode(1)
			}
			return nil
		},
	}
}

func newImportCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "import FILE|DIR ...",
		Short: "Create or update workflows by id (idempotent)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.loadApps(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))); err != nil {
				return err
			}
			files, err := definitionFiles(args)
			if err != nil {
				return err
			}
			var all []*workflows.Workflow
			for _, f := range files {
				ws, err := loadFile(f)
				if err != nil {
					return err // nothing imported when any file is bad
				}
				all = append(all, ws...)
			}
			st, err := c.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			eng, err := engine.New(engine.Config{Store: st})
			if err != nil {
				return err
			}
			for _, w := range all {
				res, err := eng.SaveWorkflow(cmd.Context(), w)
				if err != nil {
					return fmt.Errorf("import %s: %s", w.ID, locate(err))
				}
				what := "unchanged"
				switch {
				case res.Created:
					what = "created"
				case res.Changed:
					what = "updated"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s (revision %d)\n", what, res.Workflow.ID, res.Workflow.Revision)
			}
			return nil
		},
	}
	c.addDBFlag(cmd)
	c.addAppsFlag(cmd)
	return cmd
}

func newExportCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "export [ID ...]",
		Short: "Write workflow definitions as JSON to stdout (all when no ID)",
		RunE: c.withExistingStore(func(cmd *cobra.Command, args []string, st store.Store) error {
			defs, err := engine.Export(cmd.Context(), st, args)
			if err != nil {
				return err
			}
			var out []byte
			if len(args) == 1 {
				out, err = workflows.Encode(defs[0])
			} else {
				out, err = workflows.EncodeBundle(defs)
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		}),
	}
	c.addDBFlag(cmd)
	return cmd
}

func newRunCmd() *cobra.Command {
	var c config
	var limits exprLimits
	var payload string
	var asJSON, noSend bool
	cmd := &cobra.Command{
		Use:   "run FILE --payload JSON|@file",
		Short: "Test-run one workflow: once, in memory, nothing stored; print every step's result",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.loadApps(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))); err != nil {
				return err
			}
			ws, err := loadFile(args[0])
			if err != nil {
				return err
			}
			if len(ws) != 1 {
				return fmt.Errorf("%s holds %d workflows; run takes one", args[0], len(ws))
			}
			body, err := readPayload(payload, cmd.InOrStdin())
			if err != nil {
				return err
			}
			if err := limits.apply(0, nil); err != nil {
				return err
			}
			egress, err := actions.ParseEgressAllow(c.EgressAllow)
			if err != nil {
				return fmt.Errorf("--egress-allow: %w", err)
			}
			secretsOf, closeStore, err := runSecrets(cmd, &c)
			defer closeStore()
			if err != nil {
				return err
			}
			eng, err := engine.New(engine.Config{Sender: actions.NewSender(actions.Config{Egress: egress}), Secrets: secretsOf})
			if err != nil {
				return err
			}
			compiled, err := workflows.Compile(ws[0])
			if err != nil {
				return err
			}
			ev := store.Event{Source: "manual", Method: "POST", Body: body,
				Headers: map[string]string{"content-type": "application/json"}}
			rep := eng.Test(cmd.Context(), compiled, &ev, engine.TestOptions{Send: !noSend})
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printReport(cmd.OutOrStdout(), rep)
			}
			if rep.Status == store.StatusFailed {
				return exitCode(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&payload, "payload", "", "the event body: JSON, @file, or - for stdin (default {})")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&noSend, "no-send", false, "send no webhook; show the requests webhook steps would make")
	// --dry was the flag's first name; scripts may still pass it.
	cmd.Flags().BoolVar(&noSend, "dry", false, "the same as --no-send")
	_ = cmd.Flags().MarkDeprecated("dry", "use --no-send")
	c.addEgressFlag(cmd)
	c.addAppsFlag(cmd)
	c.addDBFlag(cmd) // for its secrets, when the database exists
	limits.addExprFlags(cmd)
	return cmd
}

// readPayload reads --payload: inline JSON, @file, or - for stdin.
func readPayload(p string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	switch {
	case p == "":
		data = []byte("{}")
	case p == "-":
		data, err = io.ReadAll(stdin)
	case strings.HasPrefix(p, "@"):
		data, err = os.ReadFile(p[1:])
	default:
		data = []byte(p)
	}
	if err != nil {
		return nil, fmt.Errorf("--payload: %w", err)
	}
	if !json.Valid(data) {
		return nil, errors.New("--payload: not valid JSON")
	}
	ev := store.Event{Body: data, Headers: map[string]string{"content-type": "application/json"}}
	if p := engine.DecodePayload(&ev); p.BadJSON {
		var re *engine.NumberRangeError
		if errors.As(p.Err, &re) {
			return nil, fmt.Errorf("--payload: %s", re.At("payload"))
		}
		return nil, fmt.Errorf("--payload: %w", p.Err)
	}
	return data, nil
}

// printReport shows a test run for people.
func printReport(w io.Writer, rep engine.TestReport) {
	for _, s := range rep.Steps {
		line := fmt.Sprintf("%-10s %-20s %-10s", s.Status, s.Step, s.Type)
		if s.StatusCode != 0 {
			line += fmt.Sprintf(" HTTP %d", s.StatusCode)
		}
		fmt.Fprintf(w, "%s  %.1fms\n", line, s.DurationMS)
		if s.Outbound && len(s.Input) > 0 {
			fmt.Fprintf(w, "  request: %s\n", s.Input)
		}
		if len(s.Output) > 0 {
			fmt.Fprintf(w, "  output:  %s\n", s.Output)
		}
		if s.Until != "" {
			fmt.Fprintf(w, "  until:   %s\n", s.Until)
		}
		if s.Error != "" {
			fmt.Fprintf(w, "  error:   %s\n", s.Error)
		}
	}
	fmt.Fprintf(w, "run %s", rep.Status)
	if rep.Error != "" {
		fmt.Fprintf(w, ": %s", rep.Error)
	}
	fmt.Fprintln(w)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
