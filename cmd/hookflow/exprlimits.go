package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/workflows"
)

// exprLimits are the flags that bound expression evaluation.
type exprLimits struct {
	maxBytes int64
	timeout  time.Duration
}

// addExprFlags registers --expr-max-bytes and --expr-timeout.
func (l *exprLimits) addExprFlags(cmd *cobra.Command) {
	d := workflows.DefaultLimits
	cmd.Flags().Int64Var(&l.maxBytes, "expr-max-bytes", envInt("EXPR_MAX_BYTES", int64(d.MaxBytes)),
		"data one step's expressions may build, in bytes (env HOOKFLOW_EXPR_MAX_BYTES)")
	cmd.Flags().DurationVar(&l.timeout, "expr-timeout", envDuration("EXPR_TIMEOUT", d.Timeout),
		"time one step's expressions may take (env HOOKFLOW_EXPR_TIMEOUT)")
}

// apply sets the limits for every expression this process evaluates. A
// memory limit below four bodies' worth is allowed, but a transform that
// gives a whole payload back may then be stopped: the log says so.
func (l *exprLimits) apply(maxBody int64, log *slog.Logger) error {
	if l.maxBytes < 1<<10 || l.maxBytes > 1<<40 {
		return fmt.Errorf("--expr-max-bytes must be between 1024 and 2^40 bytes, got %d", l.maxBytes)
	}
	if l.timeout <= 0 {
		return fmt.Errorf("--expr-timeout must be positive, got %s", l.timeout)
	}
	lim := workflows.CurrentLimits()
	lim.MaxBytes, lim.Timeout = int(l.maxBytes), l.timeout
	if err := workflows.SetLimits(lim); err != nil {
		return err
	}
	if maxBody > 0 && l.maxBytes < 4*maxBody && log != nil {
		log.Warn("the expression memory limit is less than four times the body limit: steps that read a whole payload may be stopped",
			"expr_max_bytes", l.maxBytes, "max_body", maxBody)
	}
	return nil
}
