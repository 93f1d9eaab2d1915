package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/server/config"
)

// demoCommand runs a self-contained server: a bbolt file under a local data
// folder, the mock executor (simulated storage nodes) and no authentication,
// with a 3-node, 3-zone topology loaded on first start.
func demoCommand() *cobra.Command {
	var dir, port string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a demo server: mock storage nodes, local database, no auth, demo topology",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Println(versionLine())
			doc := fmt.Sprintf(`{"port": %q, "glusterfs": {"executor": "mock", "db": %q, "loglevel": "info"}}`,
				port, filepath.Join(dir, "basalt-demo.db"))
			cfg, err := config.Parse("demo", []byte(doc), os.LookupEnv, config.Flags{DisableAuth: true})
			if err != nil {
				return err
			}
			return serve(cfg, func(app *glusterfs.App, log *logrus.Entry) error {
				if err := loadDemoTopology(app, log); err != nil {
					return err
				}
				printDemoHelp(cfg.Port)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "data", "folder for the demo database")
	cmd.Flags().StringVar(&port, "port", "8080", "listen port")
	return cmd
}

// loadDemoTopology creates one cluster of three nodes in three zones with two
// devices each, unless the database already has a cluster.
func loadDemoTopology(app *glusterfs.App, log *logrus.Entry) error {
	list, err := app.ClusterList()
	if err != nil {
		return err
	}
	if len(list.Clusters) > 0 {
		log.WithField("clusters", len(list.Clusters)).Info("demo: database already has a topology; keeping it")
		return nil
	}
	ctx := context.Background()
	cluster, err := app.ClusterCreate(&api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: true, File: true}})
	if err != nil {
		return err
	}
	for i := 1; i <= 3; i++ {
		job, err := app.NodeAdd(ctx, &api.NodeAddRequest{
			Zone:      i,
			ClusterID: cluster.ID,
			Hostnames: api.HostAddresses{
				Manage:  []string{fmt.Sprintf("node%d.demo.basalt", i)},
				Storage: []string{fmt.Sprintf("10.10.0.%d", i)},
			},
			Tags: map[string]string{"rack": fmt.Sprintf("r%d", i)},
		})
		if err != nil {
			return fmt.Errorf("demo node %d: %w", i, err)
		}
		loc, err := job(ctx)
		if err != nil {
			return fmt.Errorf("demo node %d: %w", i, err)
		}
		nodeID := filepath.Base(loc)
		for _, dev := range []string{"/dev/sdb", "/dev/sdc"} {
			job, err := app.DeviceAdd(ctx, &api.DeviceAddRequest{NodeID: nodeID, Device: api.Device{Name: dev}})
			if err != nil {
				return fmt.Errorf("demo device %s: %w", dev, err)
			}
			if _, err := job(ctx); err != nil {
				return fmt.Errorf("demo device %s: %w", dev, err)
			}
		}
	}
	log.WithField("cluster", cluster.ID).Info("demo: loaded a 3-node, 3-zone topology")
	return nil
}

func printDemoHelp(port string) {
	url := "http://localhost:" + port
	fmt.Printf(`
Basalt demo server on %[1]s (mock storage nodes, authentication off).
Try, in another terminal:

  curl %[1]s/hello
  curl %[1]s/clusters
  curl %[1]s/clusters/<cluster id>            # lists the node ids
  curl %[1]s/nodes/<node id>                  # zone, hostnames, devices, sizes

  # add a node, then follow the job's Location until it redirects to the node:
  curl -i -X POST %[1]s/nodes -d '{"cluster":"<cluster id>","zone":1,"hostnames":{"manage":["node4.demo.basalt"],"storage":["10.10.0.4"]}}'
  curl -i %[1]s/queue/<job id>

  # add a device to it (the job ends in 204; the device shows in node info):
  curl -i -X POST %[1]s/devices -d '{"node":"<node id>","name":"/dev/sdb"}'

Stop with Ctrl-C; the database stays in the data folder for the next start.
`, url)
}

var _ db.Store = (*db.BoltStore)(nil)
