package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/cmdexec"
)

// dbVolumeOptions are the gluster options of the volume that holds the
// server's own database (heketi-cli setup-openshift-heketi-storage uses the
// same list), ending with the marker update-dbvol looks for.
var dbVolumeOptions = []string{
	"performance.stat-prefetch off",
	"performance.write-behind off",
	"performance.open-behind off",
	"performance.quick-read off",
	"performance.strict-o-direct on",
	"performance.read-ahead off",
	"performance.io-cache off",
	"performance.readdir-ahead off",
	"user.heketi.dbstoragelevel 1",
}

// updateDBVolCommand is `basalt offline update-dbvol`: make sure the volume
// holding the database has the options a database needs (Heketi's tool of
// the same name). The database is only read.
func updateDBVolCommand() *cobra.Command {
	var configFile, volumeName string
	var debug bool
	cmd := &cobra.Command{
		Use:   "update-dbvol",
		Short: "Set the database volume's gluster options if it lacks them (user.heketi.dbstoragelevel)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if configFile == "" {
				return fmt.Errorf("Please provide configuration file")
			}
			return updateDBVol(configFile, volumeName, debug, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "configuration file (heketi.json)")
	cmd.Flags().StringVar(&volumeName, "force-volume-name", "heketidbstorage", "name of the volume holding the database")
	cmd.Flags().BoolVar(&debug, "debug", false, "log at debug level")
	return cmd
}

func updateDBVol(configFile, volumeName string, debug bool, stdout io.Writer) error {
	env, closeEnv, err := openOffline(configFile, debug, true)
	if err != nil {
		return err
	}
	defer closeEnv()
	store := env.store
	// Find the volume and a host of its cluster to run gluster on.
	var host string
	err = store.View(func(r db.Reader) error {
		cids, err := r.ClusterIDs()
		if err != nil {
			return err
		}
		for _, cid := range cids {
			vid, err := r.VolumeIDByName(cid, volumeName)
			if err != nil || vid == "" {
				continue
			}
			nids, err := r.ClusterNodeIDs(cid)
			if err != nil {
				return err
			}
			for _, nid := range nids {
				if n, err := r.Node(nid); err == nil && n.State == api.EntryStateOnline {
					host = n.ManageHost()
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if host == "" {
		return fmt.Errorf("no volume named %s with an online node in the database", volumeName)
	}
	ce, ok := env.exec.(*cmdexec.Executor)
	if !ok {
		return fmt.Errorf("update-dbvol needs the command executor")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	opts, exists, err := ce.VolumeOptions(ctx, host, volumeName)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("volume %s does not exist on %s", volumeName, host)
	}
	if level, ok := opts["user.heketi.dbstoragelevel"]; ok && level != "0" {
		fmt.Fprintf(stdout, "volume %s already has its database options (user.heketi.dbstoragelevel %s)\n", volumeName, level)
		return nil
	}
	for _, o := range dbVolumeOptions {
		if err := ce.VolumeSet(ctx, host, volumeName, o); err != nil {
			return fmt.Errorf("volume set %s %s: %w", volumeName, o, err)
		}
	}
	fmt.Fprintf(stdout, "volume %s: database options set\n", volumeName)
	return nil
}
