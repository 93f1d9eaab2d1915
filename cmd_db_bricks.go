package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
)

// dbDeleteEmptyBricksCommand is Heketi's repair tool for brick records that
// never got a path (left by failed operations of old Heketi versions; Basalt
// itself never writes one, but an imported dump may hold them).
func dbDeleteEmptyBricksCommand() *cobra.Command {
	var dbFile, clusters, nodes, devices string
	var all, debug bool
	cmd := &cobra.Command{
		Use:   "delete-bricks-with-empty-path",
		Short: "Delete brick records that have no path (all, or in the given clusters, nodes or devices)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlag("dbfile", dbFile); err != nil {
				return err
			}
			if !all && clusters == "" && nodes == "" && devices == "" {
				return fmt.Errorf("give --all, or at least one of --clusters, --nodes, --devices")
			}
			log := toolLogger(debug)
			store, err := db.Open(dbFile, db.Options{})
			if err != nil {
				return err
			}
			defer store.Close()
			n, err := deleteEmptyPathBricks(store, all, split(clusters), split(nodes), split(devices))
			if err != nil {
				return err
			}
			log.WithField("deleted", n).Info("brick records without a path removed")
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d bricks with an empty path\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&dbFile, "dbfile", "", "database file")
	cmd.Flags().BoolVar(&all, "all", false, "look at every brick")
	cmd.Flags().StringVar(&clusters, "clusters", "", "comma-separated cluster ids")
	cmd.Flags().StringVar(&nodes, "nodes", "", "comma-separated node ids")
	cmd.Flags().StringVar(&devices, "devices", "", "comma-separated device ids")
	cmd.Flags().BoolVar(&debug, "debug", false, "log at debug level")
	return cmd
}

func split(s string) map[string]bool {
	out := map[string]bool{}
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out[x] = true
		}
	}
	return out
}

// deleteEmptyPathBricks removes, in one transaction, every brick without a
// path in scope and gives its reserved space back to its device.
func deleteEmptyPathBricks(store db.Store, all bool, clusters, nodes, devices map[string]bool) (int, error) {
	deleted := 0
	err := store.Update(func(w db.Writer) error {
		deleted = 0
		ids, err := w.BrickIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			b, err := w.Brick(id)
			if err != nil {
				return err
			}
			if b.Path != "" {
				continue
			}
			inScope := all || nodes[b.NodeID] || devices[b.DeviceID]
			if !inScope && len(clusters) > 0 {
				if n, err := w.Node(b.NodeID); err == nil {
					inScope = clusters[n.ClusterID]
				}
			}
			if !inScope {
				continue
			}
			if err := w.DeleteBrick(id); err != nil {
				return err
			}
			if d, err := w.Device(b.DeviceID); err == nil {
				give := b.TpSizeKiB + b.PoolMetadataSizeKiB
				if give > d.UsedKiB {
					give = d.UsedKiB
				}
				d.UsedKiB -= give
				d.FreeKiB += give
				if err := w.PutDevice(d); err != nil {
					return err
				}
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
			deleted++
		}
		return nil
	})
	return deleted, err
}
