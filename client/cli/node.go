package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
)

// nodeCommand builds `node add|delete|enable|disable|remove|info|list|settags|rmtags`.
func (a *app) nodeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Heketi Node Management"}

	var zone int
	var cluster, manage, storage string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add new node to be managed by Heketi",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case zone == 0:
				return errors.New("Zone cannot be zero")
			case manage == "":
				return errors.New("Missing management hostname")
			case storage == "":
				return errors.New("Missing storage hostname")
			case cluster == "":
				return errors.New("Missing cluster id")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			req := &api.NodeAddRequest{
				Zone:      zone,
				ClusterID: cluster,
				Hostnames: api.HostAddresses{Manage: []string{manage}, Storage: []string{storage}},
			}
			n, err := c.NodeAdd(cmd.Context(), req)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(n)
			}
			a.printf("Node information:\nId: %s\nState: %s\nCluster Id: %s\nZone: %d\nManagement Hostname %s\nStorage Hostname %s\n",
				n.ID, n.State, n.ClusterID, n.Zone, strings.Join(n.Hostnames.Manage, ","), strings.Join(n.Hostnames.Storage, ","))
			return nil
		},
	}
	add.Flags().IntVar(&zone, "zone", 0, "The zone in which the node should reside")
	add.Flags().StringVar(&cluster, "cluster", "", "The cluster in which the node should reside")
	add.Flags().StringVar(&manage, "management-host-name", "", "Management host name")
	add.Flags().StringVar(&storage, "storage-host-name", "", "Storage host name")

	del := &cobra.Command{
		Use:   "delete <node id>",
		Short: "Deletes a node from Heketi management",
		RunE: a.withID("Node", func(ctx context.Context, id string) error {
			if err := a.c.NodeDelete(ctx, id); err != nil {
				return err
			}
			a.printf("Node %s deleted\n", id)
			return nil
		}),
	}

	state := func(use, short string, s api.EntryState, done string) *cobra.Command {
		return &cobra.Command{
			Use:   use + " <node id>",
			Short: short,
			RunE: a.withID("Node", func(ctx context.Context, id string) error {
				if err := a.c.NodeState(ctx, id, &api.StateRequest{State: s}); err != nil {
					return err
				}
				a.printf("Node %s is now %s\n", id, done)
				return nil
			}),
		}
	}

	info := &cobra.Command{
		Use:   "info <node id>",
		Short: "Retrieves information about the node",
		RunE: a.withID("Node", func(ctx context.Context, id string) error {
			n, err := a.c.NodeInfo(ctx, id)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(n)
			}
			a.printf("%s", formatNodeInfo(n))
			return nil
		}),
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List all nodes in cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			l, err := c.ClusterList(ctx)
			if err != nil {
				return err
			}
			type entry struct {
				ID      string `json:"id"`
				Cluster string `json:"cluster"`
			}
			nodes := []entry{}
			for _, cid := range l.Clusters {
				ci, err := c.ClusterInfo(ctx, cid)
				if err != nil {
					return err
				}
				for _, nid := range ci.Nodes {
					nodes = append(nodes, entry{ID: nid, Cluster: cid})
				}
			}
			if a.jsonOut {
				return a.printJSON(struct {
					Nodes []entry `json:"nodes"`
				}{nodes})
			}
			for _, n := range nodes {
				a.printf("Id:%s\tCluster:%s\n", n.ID, n.Cluster)
			}
			return nil
		},
	}

	settags, rmtags := a.tagCommands("node", "Node", func(ctx context.Context, id string, req *api.TagsChangeRequest) error {
		return a.c.NodeSetTags(ctx, id, req)
	})

	cmd.AddCommand(add, del,
		state("enable", "Allows node to go online", api.EntryStateOnline, "online"),
		state("disable", "Disallow usage of a node by placing it offline", api.EntryStateOffline, "offline"),
		state("remove", "Removes a node and all its associated devices from Heketi", api.EntryStateFailed, "removed"),
		info, list, settags, rmtags)
	return cmd
}

// withID adapts fn into a RunE that takes exactly one id argument and has a
// client ready in a.c.
func (a *app) withID(what string, fn func(ctx context.Context, id string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := idArg(args, what)
		if err != nil {
			return err
		}
		if _, err := a.client(); err != nil {
			return err
		}
		return fn(cmd.Context(), id)
	}
}

// tagCommands builds `settags` and `rmtags` (aliases deltags, removetags)
// for nodes or devices.
func (a *app) tagCommands(kind, what string, set func(ctx context.Context, id string, req *api.TagsChangeRequest) error) (*cobra.Command, *cobra.Command) {
	var exact bool
	settags := &cobra.Command{
		Use:   "settags <" + kind + " id> <key>:<value> [<key>:<value>...]",
		Short: "Sets tags on a " + kind,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return fmt.Errorf("%s id missing", what)
			}
			if len(args) < 2 {
				return errors.New("At least one tag must be given")
			}
			tags := map[string]string{}
			for _, kv := range args[1:] {
				k, v, ok := strings.Cut(kv, ":")
				if !ok {
					return fmt.Errorf("Expected tag in the form key:value, got %q", kv)
				}
				tags[k] = v
			}
			if _, err := a.client(); err != nil {
				return err
			}
			change := api.UpdateTags
			if exact {
				change = api.SetTags
			}
			return set(cmd.Context(), args[0], &api.TagsChangeRequest{Tags: tags, Change: change})
		},
	}
	settags.Flags().BoolVarP(&exact, "exact", "e", false, "Overwrite all tags with exactly the given tags")

	var all bool
	rmtags := &cobra.Command{
		Use:     "rmtags <" + kind + " id> <key> [<key>...]",
		Aliases: []string{"deltags", "removetags"},
		Short:   "Removes tags from a " + kind,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return fmt.Errorf("%s id missing", what)
			}
			req := &api.TagsChangeRequest{Tags: map[string]string{}, Change: api.DeleteTags}
			switch {
			case all && len(args) > 1:
				return errors.New("--all may not be combined with tag names")
			case all:
				req.Change = api.SetTags
			case len(args) < 2:
				return errors.New("At least one tag name (or --all) must be given")
			default:
				for _, k := range args[1:] {
					req.Tags[k] = ""
				}
			}
			if _, err := a.client(); err != nil {
				return err
			}
			return set(cmd.Context(), args[0], req)
		},
	}
	rmtags.Flags().BoolVar(&all, "all", false, "Remove all tags")
	return settags, rmtags
}

// formatTags renders tags as "k1:v1 k2:v2" sorted by key.
func formatTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + tags[k]
	}
	return strings.Join(parts, " ")
}

// gib converts KiB to whole GiB as heketi-cli prints device sizes.
func gib(kib uint64) uint64 { return kib / (1024 * 1024) }

// formatNodeInfo renders `node info`.
func formatNodeInfo(n *api.NodeInfoResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Node Id: %s\n", n.ID)
	fmt.Fprintf(&b, "State: %s\n", n.State)
	fmt.Fprintf(&b, "Cluster Id: %s\n", n.ClusterID)
	fmt.Fprintf(&b, "Zone: %d\n", n.Zone)
	fmt.Fprintf(&b, "Management Hostname: %s\n", strings.Join(n.Hostnames.Manage, ","))
	fmt.Fprintf(&b, "Storage Hostname: %s\n", strings.Join(n.Hostnames.Storage, ","))
	if len(n.Tags) > 0 {
		fmt.Fprintf(&b, "Tags: %s\n", formatTags(n.Tags))
	}
	fmt.Fprintf(&b, "Devices:\n")
	for _, d := range n.DevicesInfo {
		fmt.Fprintf(&b, "Id:%-35s Name:%-20s State:%-10s Size (GiB):%-8d Used (GiB):%-8d Free (GiB):%-8d Bricks:%-8d\n",
			d.ID, d.Name, d.State, gib(d.Storage.Total), gib(d.Storage.Used), gib(d.Storage.Free), len(d.Bricks))
	}
	return b.String()
}
