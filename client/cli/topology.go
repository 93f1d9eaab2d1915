package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client"
	"github.com/basalt-storage/basalt/client/api"
)

// cleanupTimeout bounds the deletion of empty clusters at the end of a load.
const cleanupTimeout = 30 * time.Second

// TopologyFile is the document read by `topology load --json=<file>`.
type TopologyFile struct {
	Clusters []TopologyFileCluster `json:"clusters"`
}

// TopologyFileCluster is one cluster of a topology file. Block and File
// default to true when absent.
type TopologyFileCluster struct {
	Block *bool              `json:"block,omitempty"`
	File  *bool              `json:"file,omitempty"`
	Nodes []TopologyFileNode `json:"nodes"`
}

// TopologyFileNode is one node of a topology file: the node add request
// (its cluster is ignored) and its devices.
type TopologyFileNode struct {
	Node    api.NodeAddRequest   `json:"node"`
	Devices []TopologyFileDevice `json:"devices"`
}

// TopologyFileDevice is a device entry, given either as a plain string (the
// device name) or as an object with name, destroydata and tags.
type TopologyFileDevice struct {
	Name        string            `json:"name"`
	DestroyData bool              `json:"destroydata,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// UnmarshalJSON accepts both device forms.
func (d *TopologyFileDevice) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*d = TopologyFileDevice{Name: name}
		return nil
	}
	type plain TopologyFileDevice
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("device entry must be a string or an object with a name: %w", err)
	}
	*d = TopologyFileDevice(p)
	return nil
}

// LoadSummary counts what a topology load did.
type LoadSummary struct {
	// ClustersCreated and ClustersDeleted count the clusters the load
	// created and the ones of those it deleted again because they stayed empty.
	ClustersCreated, ClustersDeleted int
	// NodesCreated, NodesFound and NodesFailed count the file's nodes that
	// were added, already known (by management hostname) or refused.
	NodesCreated, NodesFound, NodesFailed int
	// DevicesAdded, DevicesFound and DevicesFailed count the file's devices
	// that were added, already known on their node (by name) or refused.
	DevicesAdded, DevicesFound, DevicesFailed int
}

// Failed is the number of nodes and devices that could not be added.
func (s LoadSummary) Failed() int { return s.NodesFailed + s.DevicesFailed }

// String renders the summary line printed at the end of a load.
func (s LoadSummary) String() string {
	return fmt.Sprintf("Summary: clusters created %d, deleted %d (empty); nodes created %d, found %d, failed %d; devices added %d, found %d, failed %d",
		s.ClustersCreated, s.ClustersDeleted, s.NodesCreated, s.NodesFound, s.NodesFailed, s.DevicesAdded, s.DevicesFound, s.DevicesFailed)
}

// topologyCommand builds `topology load|info`.
func (a *app) topologyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "topology", Short: "Heketi Topology Management"}

	var file string
	var strict bool
	load := &cobra.Command{
		Use:   "load",
		Short: "Add devices to Heketi from a configuration file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("Missing configuration file")
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("Unable to read configuration file: %w", err)
			}
			var topo TopologyFile
			if err := json.Unmarshal(raw, &topo); err != nil {
				return fmt.Errorf("Unable to parse configuration file: %w", err)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			// Unbuffered: each line shows progress as it happens.
			sum, err := loadTopology(cmd.Context(), c, &topo, a.stdout)
			if sum != nil {
				fmt.Fprintln(a.stdout, sum.String())
			}
			if err != nil {
				return err
			}
			if strict && sum.Failed() > 0 {
				return fmt.Errorf("topology load: %d node(s) and %d device(s) failed", sum.NodesFailed, sum.DevicesFailed)
			}
			return nil
		},
	}
	load.Flags().StringVarP(&file, "json", "j", "", "Configuration containing devices, nodes, and clusters, in JSON format")
	load.Flags().BoolVar(&strict, "strict", false, "Exit with an error when any node or device could not be added")

	var tmpl string
	info := &cobra.Command{
		Use:   "info",
		Short: "Retrieves information about the current Topology",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var t *template.Template
			if tmpl != "" {
				var err error
				if t, err = template.New("topology").Parse(tmpl); err != nil {
					return fmt.Errorf("invalid template: %w", err)
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			topo, err := c.TopologyInfo(cmd.Context())
			if err != nil {
				return err
			}
			switch {
			case t != nil:
				w := bufio.NewWriter(a.stdout)
				if err := t.Execute(w, topo); err != nil {
					return fmt.Errorf("template: %w", err)
				}
				return w.Flush()
			case a.jsonOut:
				return a.printJSON(topo)
			}
			w := bufio.NewWriter(a.stdout)
			writeTopologyInfo(w, topo)
			return w.Flush()
		},
	}
	info.Flags().StringVarP(&tmpl, "template", "T", "", "Go template applied to the topology (the --json document's structure)")

	cmd.AddCommand(load, info)
	return cmd
}

// loadTopology adds the clusters, nodes and devices of topo that the server
// does not have yet, printing heketi-cli's progress messages to w. Nodes
// are matched by their first management hostname, devices by name on a
// matched node. Node and device failures are printed and counted but do not
// stop the load; clusters it created that are still empty at the end are
// deleted. The returned error is for failures that end the load (reading
// the topology, creating a cluster).
func loadTopology(ctx context.Context, c *client.Client, topo *TopologyFile, w io.Writer) (*LoadSummary, error) {
	current, err := c.TopologyInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("Unable to get topology information: %w", err)
	}
	// Existing nodes by manage[0], with their cluster and device names.
	type knownNode struct {
		id, cluster string
		devices     map[string]bool
	}
	known := map[string]knownNode{}
	for _, cl := range current.ClusterList {
		for _, n := range cl.Nodes {
			if len(n.Hostnames.Manage) == 0 {
				continue
			}
			k := knownNode{id: n.ID, cluster: cl.ID, devices: map[string]bool{}}
			for _, d := range n.DevicesInfo {
				k.devices[d.Name] = true
			}
			known[n.Hostnames.Manage[0]] = k
		}
	}

	sum := &LoadSummary{}
	var created []string
	defer func() {
		// Remove clusters this run created that ended up empty, even when
		// the load was interrupted.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		for _, id := range created {
			ci, err := c.ClusterInfo(ctx, id)
			if err != nil || len(ci.Nodes) > 0 || len(ci.Volumes) > 0 {
				continue
			}
			if err := c.ClusterDelete(ctx, id); err != nil {
				fmt.Fprintf(w, "Unable to delete empty cluster %s: %s\n", id, errorText(err))
				continue
			}
			fmt.Fprintf(w, "Deleted empty cluster %s\n", id)
			sum.ClustersDeleted++
		}
	}()

	for _, fc := range topo.Clusters {
		flags := api.ClusterFlags{Block: fc.Block == nil || *fc.Block, File: fc.File == nil || *fc.File}
		clusterID := ""
		for _, fn := range fc.Nodes {
			manage := ""
			if len(fn.Node.Hostnames.Manage) > 0 {
				manage = fn.Node.Hostnames.Manage[0]
			}
			var nodeID string
			var existing map[string]bool
			if k, ok := known[manage]; ok && manage != "" {
				fmt.Fprintf(w, "\tFound node %s on cluster %s\n", manage, k.cluster)
				sum.NodesFound++
				clusterID, nodeID, existing = k.cluster, k.id, k.devices
			} else {
				if clusterID == "" {
					fmt.Fprintf(w, "Creating cluster ... ")
					ci, err := c.ClusterCreate(ctx, &api.ClusterCreateRequest{ClusterFlags: flags})
					if err != nil {
						fmt.Fprintln(w)
						return sum, err
					}
					fmt.Fprintf(w, "ID: %s\n", ci.ID)
					if flags.File {
						fmt.Fprintf(w, "\tAllowing file volumes on cluster.\n")
					}
					if flags.Block {
						fmt.Fprintf(w, "\tAllowing block volumes on cluster.\n")
					}
					created = append(created, ci.ID)
					sum.ClustersCreated++
					clusterID = ci.ID
				}
				req := fn.Node
				req.ClusterID = clusterID
				fmt.Fprintf(w, "\tCreating node %s ... ", manage)
				n, err := c.NodeAdd(ctx, &req)
				if err != nil {
					fmt.Fprintf(w, "Unable to create node: %s\n", errorText(err))
					sum.NodesFailed++
					continue
				}
				fmt.Fprintf(w, "ID: %s\n", n.ID)
				sum.NodesCreated++
				nodeID = n.ID
			}
			for _, d := range fn.Devices {
				if existing[d.Name] {
					fmt.Fprintf(w, "\t\tFound device %s\n", d.Name)
					sum.DevicesFound++
					continue
				}
				fmt.Fprintf(w, "\t\tAdding device %s ... ", d.Name)
				err := c.DeviceAdd(ctx, &api.DeviceAddRequest{
					Device:      api.Device{Name: d.Name, Tags: d.Tags},
					NodeID:      nodeID,
					DestroyData: d.DestroyData,
				})
				if err != nil {
					fmt.Fprintf(w, "Unable to add device: %s\n", errorText(err))
					sum.DevicesFailed++
					continue
				}
				fmt.Fprintf(w, "OK\n")
				sum.DevicesAdded++
			}
		}
	}
	return sum, nil
}

// writeTopologyInfo renders `topology info` in heketi-cli's indented text.
func writeTopologyInfo(w io.Writer, topo *api.TopologyInfoResponse) {
	for _, cl := range topo.ClusterList {
		fmt.Fprintf(w, "\nCluster Id: %s\n\n", cl.ID)
		fmt.Fprintf(w, "    File:  %t\n", cl.File)
		fmt.Fprintf(w, "    Block: %t\n\n", cl.Block)
		fmt.Fprintf(w, "    Volumes:\n")
		for i := range cl.Volumes {
			v := &cl.Volumes[i]
			fmt.Fprintf(w, "\n\tName: %s\n", v.Name)
			fmt.Fprintf(w, "\tSize: %d\n", v.Size)
			fmt.Fprintf(w, "\tId: %s\n", v.ID)
			fmt.Fprintf(w, "\tCluster Id: %s\n", v.Cluster)
			fmt.Fprintf(w, "\tMount: %s\n", v.Mount.GlusterFS.MountPoint)
			fmt.Fprintf(w, "\tMount Options: backup-volfile-servers=%s\n", v.Mount.GlusterFS.Options["backup-volfile-servers"])
			typ := v.Durability.Type
			if typ == "" {
				typ = api.DurabilityNone
			}
			fmt.Fprintf(w, "\tDurability Type: %s\n", typ)
			switch typ {
			case api.DurabilityReplicate:
				_, replica := distributeCount(v)
				fmt.Fprintf(w, "\tReplica: %d\n", replica)
			case api.DurabilityDisperse:
				fmt.Fprintf(w, "\tDisperse Data: %d\n", v.Durability.Disperse.Data)
				fmt.Fprintf(w, "\tDisperse Redundancy: %d\n", v.Durability.Disperse.Redundancy)
			}
			if v.Snapshot.Enable {
				fmt.Fprintf(w, "\tSnapshot: Enabled\n\tSnapshot Factor: %.2f\n", v.Snapshot.Factor)
			} else {
				fmt.Fprintf(w, "\tSnapshot: Disabled\n")
			}
			fmt.Fprintf(w, "\n\t\tBricks:\n")
			for _, b := range v.Bricks {
				fmt.Fprintf(w, "\t\t\tId: %s\n", b.ID)
				fmt.Fprintf(w, "\t\t\tPath: %s\n", b.Path)
				fmt.Fprintf(w, "\t\t\tSize (GiB): %d\n", gib(b.Size))
				fmt.Fprintf(w, "\t\t\tNode: %s\n", b.NodeID)
				fmt.Fprintf(w, "\t\t\tDevice: %s\n\n", b.DeviceID)
			}
		}
		fmt.Fprintf(w, "\n    Nodes:\n")
		for i := range cl.Nodes {
			n := &cl.Nodes[i]
			fmt.Fprintf(w, "\n\tNode Id: %s\n", n.ID)
			fmt.Fprintf(w, "\tState: %s\n", n.State)
			fmt.Fprintf(w, "\tCluster Id: %s\n", n.ClusterID)
			fmt.Fprintf(w, "\tZone: %d\n", n.Zone)
			fmt.Fprintf(w, "\tManagement Hostnames: %s\n", strings.Join(n.Hostnames.Manage, ", "))
			fmt.Fprintf(w, "\tStorage Hostnames: %s\n", strings.Join(n.Hostnames.Storage, ", "))
			if len(n.Tags) > 0 {
				fmt.Fprintf(w, "\tTags: %s\n", formatTags(n.Tags))
			}
			fmt.Fprintf(w, "\tDevices:\n")
			for _, d := range n.DevicesInfo {
				fmt.Fprintf(w, "\t\tId:%-35s Name:%-20s State:%-10s Size (GiB):%-8d Used (GiB):%-8d Free (GiB):%-8d\n",
					d.ID, d.Name, d.State, gib(d.Storage.Total), gib(d.Storage.Used), gib(d.Storage.Free))
				if len(d.Paths) > 0 {
					fmt.Fprintf(w, "\t\t\tKnown Paths: %s\n", strings.Join(d.Paths, " "))
				}
				if len(d.Tags) > 0 {
					fmt.Fprintf(w, "\t\t\tTags: %s\n", formatTags(d.Tags))
				}
				fmt.Fprintf(w, "\n\t\t\tBricks:\n")
				for _, b := range d.Bricks {
					fmt.Fprintf(w, "\t\t\t\tId:%-35s Size (GiB):%-8d Path: %s\n", b.ID, gib(b.Size), b.Path)
				}
			}
		}
	}
}
