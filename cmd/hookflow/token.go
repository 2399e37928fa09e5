package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/web"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage the admin token: rotate",
	}
	cmd.AddCommand(newTokenRotateCmd())
	return cmd
}

func newTokenRotateCmd() *cobra.Command {
	var c config
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the admin token: print a new one once, store only its hash",
		Long: `Replaces the admin token of the database with a new random one, printed on
stdout this once; only its hash is stored. Servers on the database, running or
not, refuse the old token within a second, and the editor sessions made with it
end. A server started with HOOKFLOW_ADMIN_TOKEN stores that token again when it
starts: set the variable to the new token too.`,
		Args: cobra.NoArgs,
		RunE: c.withExistingStore(func(cmd *cobra.Command, _ []string, st store.Store) error {
			token, err := web.RotateAdminToken(cmd.Context(), st)
			if err != nil {
				return err
			}
			if err := auditCLI(cmd.Context(), st, "admin_token.rotate", "", nil); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			out := cmd.ErrOrStderr()
			fmt.Fprintln(out, "The admin token was replaced: the new one above is shown this once; only its hash is stored.")
			fmt.Fprintln(out, "Servers on this database refuse the old token within a second; the editor sessions made with it end.")
			if os.Getenv("HOOKFLOW_ADMIN_TOKEN") != "" {
				fmt.Fprint(out, "HOOKFLOW_ADMIN_TOKEN is set here. ")
			}
			fmt.Fprintln(out, "Where serve runs with HOOKFLOW_ADMIN_TOKEN, change it to the new token too: at each start the configured token replaces the stored one.")
			return nil
		}),
	}
	c.addDBFlag(cmd)
	return cmd
}
