package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
)

// logLevels are the levels `loglevel set` accepts.
var logLevels = []string{"none", "critical", "error", "warning", "info", "debug"}

// logLevelCommand builds `loglevel get|set`.
func (a *app) logLevelCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "loglevel", Short: "Get or set the server's log level"}
	get := &cobra.Command{
		Use:   "get",
		Short: "Print the server's log level",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			l, err := c.LogLevelGet(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			a.printf("%s\n", l.LogLevel["glusterfs"])
			return nil
		},
	}
	set := &cobra.Command{
		Use:   "set <level>",
		Short: "Set the server's log level (" + fmt.Sprint(logLevels) + ")",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("Expected exactly one log level")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.LogLevelSet(cmd.Context(), &api.LogLevelInfo{LogLevel: map[string]string{"glusterfs": args[0]}}); err != nil {
				return err
			}
			a.printf("Server log level updated\n")
			return nil
		},
	}
	cmd.AddCommand(get, set)
	return cmd
}

// dbCommand builds `db dump|check`.
func (a *app) dbCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "db", Short: "Heketi database tools"}
	raw := func(use, short string, fetch func(*cobra.Command) (string, error)) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if _, err := a.client(); err != nil {
					return err
				}
				s, err := fetch(cmd)
				if err != nil {
					return err
				}
				a.printRaw(s)
				return nil
			},
		}
	}
	cmd.AddCommand(
		raw("dump", "Print the server's database as JSON", func(cmd *cobra.Command) (string, error) { return a.c.DbDump(cmd.Context()) }),
		raw("check", "Print the server's database consistency report as JSON", func(cmd *cobra.Command) (string, error) { return a.c.DbCheck(cmd.Context()) }),
	)
	return cmd
}

// serverCommand builds `server operations|mode|state`.
func (a *app) serverCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "server", Short: "Heketi server management"}

	ops := &cobra.Command{Use: "operations", Short: "Pending operations of the server"}
	opsInfo := &cobra.Command{
		Use:   "info [<operation id>]",
		Short: "Print operation counts, or the details of one pending operation",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return errors.New("Expected at most one operation id")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				d, err := c.PendingOperationDetails(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if a.jsonOut {
					return a.printJSON(d)
				}
				a.printf("Id: %s\nType: %s\nStatus: %s\nSubStatus: %s\nChanges:\n", d.ID, d.TypeName, d.Status, d.SubStatus)
				for _, ch := range d.Changes {
					a.printf("  Id: %s  Description: %s\n", ch.ID, ch.Description)
				}
				return nil
			}
			oi, err := c.OperationsInfo(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(oi)
			}
			a.printf("Operation Counts:\n  Total: %d\n  In-Flight: %d\n  New: %d\n  Stale: %d\n  Failed: %d\n",
				oi.Total, oi.InFlight, oi.New, oi.Stale, oi.Failed)
			return nil
		},
	}
	opsList := &cobra.Command{
		Use:   "list",
		Short: "List the pending operations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			l, err := c.PendingOperationList(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			for _, op := range l.PendingOperations {
				a.printf("Id:%s  Type:%s  Status:%s  SubStatus:%s\n", op.ID, op.TypeName, op.Status, op.SubStatus)
			}
			return nil
		},
	}
	opsCleanup := &cobra.Command{
		Use:   "cleanup [<operation id>...]",
		Short: "Clean up stale or failed pending operations (all when no id is given)",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			return c.PendingOperationCleanUp(cmd.Context(), &api.PendingOperationsCleanRequest{Operations: args})
		},
	}
	ops.AddCommand(opsInfo, opsList, opsCleanup)

	mode := &cobra.Command{Use: "mode", Short: "Administrative mode of the server"}
	modeGet := &cobra.Command{
		Use:   "get",
		Short: "Print the server's mode",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			s, err := c.AdminStatusGet(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(s)
			}
			a.printf("%s\n", s.State)
			return nil
		},
	}
	modeSet := &cobra.Command{
		Use:   "set normal|local-client|read-only",
		Short: "Set the server's mode",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("Expected exactly one mode: normal, local-client or read-only")
			}
			switch api.AdminState(args[0]) {
			case api.AdminStateNormal, api.AdminStateLocal, api.AdminStateReadOnly:
			default:
				return fmt.Errorf("Invalid mode %q: expected normal, local-client or read-only", args[0])
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			return c.AdminStatusSet(cmd.Context(), &api.AdminStatus{State: api.AdminState(args[0])})
		},
	}
	mode.AddCommand(modeGet, modeSet)

	state := &cobra.Command{Use: "state", Short: "Examine the server's state"}
	examine := &cobra.Command{Use: "examine", Short: "Compare the server's database with the storage nodes"}
	gluster := &cobra.Command{
		Use:   "gluster",
		Short: "Compare the database with gluster, LVM and mounts on every node",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			s, err := c.StateExamineGluster(cmd.Context())
			if err != nil {
				return err
			}
			a.printRaw(s)
			return nil
		},
	}
	examine.AddCommand(gluster)
	state.AddCommand(examine)

	cmd.AddCommand(ops, mode, state)
	return cmd
}
