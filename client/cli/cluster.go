package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
)

// clusterCommand builds `cluster create|delete|info|list|setflags`.
func (a *app) clusterCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Heketi cluster management"}

	var block, file bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			req := &api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: block, File: file}}
			info, err := c.ClusterCreate(cmd.Context(), req)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(info)
			}
			a.printf("Cluster id: %s\n", info.ID)
			return nil
		},
	}
	create.Flags().BoolVar(&block, "block", true, "Allow the user to create block volumes on this cluster")
	create.Flags().BoolVar(&file, "file", true, "Allow the user to create file volumes on this cluster")

	del := &cobra.Command{
		Use:   "delete <cluster id>",
		Short: "Delete the cluster",
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg(args, "Cluster")
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.ClusterDelete(cmd.Context(), id); err != nil {
				return err
			}
			a.printf("Cluster %s deleted\n", id)
			return nil
		},
	}

	info := &cobra.Command{
		Use:   "info <cluster id>",
		Short: "Retrieves information about cluster",
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg(args, "Cluster")
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ci, err := c.ClusterInfo(cmd.Context(), id)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(ci)
			}
			a.printf("%s", formatClusterInfo(ci))
			return nil
		},
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "Lists the clusters managed by Heketi",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			l, err := c.ClusterList(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			var b strings.Builder
			b.WriteString("Clusters:\n")
			for _, id := range l.Clusters {
				ci, err := c.ClusterInfo(cmd.Context(), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "Id:%s %s\n", ci.ID, clusterFlagsText(ci.ClusterFlags))
			}
			a.printf("%s", b.String())
			return nil
		},
	}

	var setBlock, setFile bool
	setflags := &cobra.Command{
		Use:   "setflags <cluster id>",
		Short: "Set flags on a cluster",
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := idArg(args, "Cluster")
			if err != nil {
				return err
			}
			fb, ff := cmd.Flags().Changed("block"), cmd.Flags().Changed("file")
			if !fb && !ff {
				return errors.New("At least one of --block or --file must be given")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ci, err := c.ClusterInfo(cmd.Context(), id)
			if err != nil {
				return err
			}
			flags := ci.ClusterFlags
			if fb {
				flags.Block = setBlock
			}
			if ff {
				flags.File = setFile
			}
			return c.ClusterSetFlags(cmd.Context(), id, &api.ClusterSetFlagsRequest{ClusterFlags: flags})
		},
	}
	setflags.Flags().BoolVar(&setBlock, "block", false, "Allow (true) or forbid (false) block volumes on this cluster")
	setflags.Flags().BoolVar(&setFile, "file", false, "Allow (true) or forbid (false) file volumes on this cluster")

	cmd.AddCommand(create, del, info, list, setflags)
	return cmd
}

// clusterFlagsText renders a cluster's flags as in `cluster list`:
// "[file][block]", "[file]", "[block]" or "".
func clusterFlagsText(f api.ClusterFlags) string {
	s := ""
	if f.File {
		s += "[file]"
	}
	if f.Block {
		s += "[block]"
	}
	return s
}

// formatClusterInfo renders `cluster info`.
func formatClusterInfo(ci *api.ClusterInfoResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Cluster id: %s\n", ci.ID)
	fmt.Fprintf(&b, "Nodes:\n")
	for _, id := range ci.Nodes {
		fmt.Fprintf(&b, "%s\n", id)
	}
	fmt.Fprintf(&b, "Volumes:\n")
	for _, id := range ci.Volumes {
		fmt.Fprintf(&b, "%s\n", id)
	}
	fmt.Fprintf(&b, "Block: %t\n\n", ci.Block)
	fmt.Fprintf(&b, "File: %t\n", ci.File)
	return b.String()
}
