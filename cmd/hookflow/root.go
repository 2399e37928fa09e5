package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "hookflow",
		Short:         "Hookflow: webhooks and schedules in, filtered and reshaped webhooks out",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see hookflow %s --help)", err, cmd.Name())
	})
	root.AddCommand(newServeCmd(), newImportCmd(), newExportCmd(), newValidateCmd(), newRunCmd(), newVersionCmd())
	root.AddCommand(newBenchCmd())
	root.AddCommand(newSecretCmd())
	root.AddCommand(newUserCmd())
	root.AddCommand(newTokenCmd())
	root.AddCommand(newMigrateCmd())
	root.AddCommand(newBackupCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			fmt.Fprintln(cmd.OutOrStdout(), "hookflow", v)
			return nil
		},
	}
}
