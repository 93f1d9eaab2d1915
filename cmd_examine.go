package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// examineTimeout bounds a whole offline examination.
const examineTimeout = 10 * time.Minute

// Markers around the examine JSON, as Heketi prints them (facts 6.3), so
// scripts can cut the document out of output mixed with log lines.
const (
	examinerStart = "EXAMINER_OUTPUT_STARTS"
	examinerEnd   = "EXAMINER_OUTPUT_ENDS"
)

// offlineStateCommand is `basalt offline state`, the parent of
// `basalt offline state examine gluster`.
func offlineStateCommand() *cobra.Command {
	state := &cobra.Command{
		Use:   "state",
		Short: "Inspect the state of the database and the storage nodes",
		Args:  cobra.NoArgs,
	}
	examine := &cobra.Command{
		Use:   "examine",
		Short: "Compare the database with what the storage nodes hold",
		Args:  cobra.NoArgs,
	}
	var configFile string
	var debug bool
	gluster := &cobra.Command{
		Use:   "gluster",
		Short: "Compare the database with the gluster volumes, LVs, mounts and fstab of every node (read-only)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if configFile == "" {
				return fmt.Errorf("Please provide configuration file")
			}
			return examineGluster(configFile, debug, cmd.OutOrStdout())
		},
	}
	gluster.Flags().StringVar(&configFile, "config", "", "configuration file (heketi.json)")
	gluster.Flags().BoolVar(&debug, "debug", false, "log at debug level")
	examine.AddCommand(gluster)
	state.AddCommand(examine)
	return state
}

// examineGluster opens the configured database read-only (a running server
// holds the lock, so this fails after the lock timeout while it runs), builds
// the configured executor and prints the comparison between
// EXAMINER_OUTPUT_STARTS and EXAMINER_OUTPUT_ENDS, four-space indented, as
// GET /internal/state/examine/gluster returns it. Nothing is changed on the
// nodes or in the database.
func examineGluster(configFile string, debug bool, stdout io.Writer) error {
	env, closeEnv, err := openOffline(configFile, debug, true)
	if err != nil {
		return err
	}
	defer closeEnv()
	app := env.app

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, examineTimeout)
	defer cancel()
	rep, err := app.ExamineGluster(ctx)
	if err != nil {
		return fmt.Errorf("examining gluster state: %w", err)
	}
	out, err := indent(rep)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n%s%s\n", examinerStart, out, examinerEnd); err != nil {
		return err
	}
	return nil
}
