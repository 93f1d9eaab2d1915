package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
)

// blockVolumeCommand builds `blockvolume create|delete|info|list|expand`.
func (a *app) blockVolumeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "blockvolume", Short: "Heketi Block Volume Management"}

	var size, ha int
	var auth bool
	var name, clusters string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a block volume",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if size <= 0 {
				return errors.New("Missing volume size")
			}
			if ha < 0 {
				return errors.New("Invalid value for --ha: must not be negative")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			req := &api.BlockVolumeCreateRequest{Size: size, Name: name, Hacount: ha, Auth: auth}
			if clusters != "" {
				req.Clusters = strings.Split(clusters, ",")
			}
			bv, err := c.BlockVolumeCreate(cmd.Context(), req)
			if err != nil {
				return err
			}
			return a.showBlockVolume(bv)
		},
	}
	create.Flags().IntVar(&size, "size", 0, "Size of the block volume in GiB")
	create.Flags().IntVar(&ha, "ha", 0, "Number of paths (hosts) of the iSCSI target; 0 means all hosts")
	create.Flags().BoolVar(&auth, "auth", false, "Enable CHAP authentication")
	create.Flags().StringVar(&name, "name", "", "Name of the block volume; when empty the server names it blockvol_<id>")
	create.Flags().StringVar(&clusters, "clusters", "", "Comma-separated ids of the clusters the block volume may be placed in")

	del := &cobra.Command{
		Use:   "delete <block volume id>",
		Short: "Deletes the block volume",
		RunE: a.withID("Block volume", func(ctx context.Context, id string) error {
			if err := a.c.BlockVolumeDelete(ctx, id); err != nil {
				return err
			}
			a.printf("Block volume %s deleted\n", id)
			return nil
		}),
	}

	info := &cobra.Command{
		Use:   "info <block volume id>",
		Short: "Retrieves information about the block volume",
		RunE: a.withID("Block volume", func(ctx context.Context, id string) error {
			bv, err := a.c.BlockVolumeInfo(ctx, id)
			if err != nil {
				return err
			}
			return a.showBlockVolume(bv)
		}),
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "Lists the block volumes managed by Heketi",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			l, err := c.BlockVolumeList(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			var b strings.Builder
			for _, id := range l.BlockVolumes {
				bv, err := c.BlockVolumeInfo(cmd.Context(), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "Id:%s    Cluster:%s    Name:%s\n", bv.ID, bv.Cluster, bv.Name)
			}
			a.printf("%s", b.String())
			return nil
		},
	}

	var newSize int
	var expandID string
	expand := &cobra.Command{
		Use:   "expand [<block volume id>]",
		Short: "Expand a block volume to a new size",
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := optionalID(args, expandID, "Block volume")
			if err != nil {
				return err
			}
			if newSize <= 0 {
				return errors.New("Missing new size of the block volume")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			bv, err := c.BlockVolumeExpand(cmd.Context(), id, &api.BlockVolumeExpandRequest{NewSize: newSize})
			if err != nil {
				return err
			}
			return a.showBlockVolume(bv)
		},
	}
	expand.Flags().IntVar(&newSize, "new-size", 0, "New size of the block volume in GiB")
	expand.Flags().StringVar(&expandID, "blockvolume", "", "Id of the block volume to expand")

	cmd.AddCommand(create, del, info, list, expand)
	return cmd
}

// showBlockVolume prints a block volume as JSON or text.
func (a *app) showBlockVolume(bv *api.BlockVolumeInfoResponse) error {
	if a.jsonOut {
		return a.printJSON(bv)
	}
	a.printf("%s", formatBlockVolumeInfo(bv))
	return nil
}

// formatBlockVolumeInfo renders `blockvolume info`.
func formatBlockVolumeInfo(bv *api.BlockVolumeInfoResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name: %s\n", bv.Name)
	fmt.Fprintf(&b, "Size: %d\n", bv.Size)
	fmt.Fprintf(&b, "Volume Id: %s\n", bv.ID)
	fmt.Fprintf(&b, "Cluster Id: %s\n", bv.Cluster)
	fmt.Fprintf(&b, "Hosts: %s\n", strings.Join(bv.BlockVolume.Hosts, " "))
	fmt.Fprintf(&b, "IQN: %s\n", bv.BlockVolume.Iqn)
	fmt.Fprintf(&b, "LUN: %d\n", bv.BlockVolume.Lun)
	fmt.Fprintf(&b, "Hacount: %d\n", bv.Hacount)
	fmt.Fprintf(&b, "Username: %s\n", bv.BlockVolume.Username)
	fmt.Fprintf(&b, "Password: %s\n", bv.BlockVolume.Password)
	fmt.Fprintf(&b, "Block Hosting Volume: %s\n", bv.BlockHostingVolume)
	usable := bv.UsableSize
	if usable == 0 {
		usable = bv.Size
	}
	fmt.Fprintf(&b, "Usable Size: %d\n", usable)
	return b.String()
}

// brickCommand builds `brick evict`.
func (a *app) brickCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "brick", Short: "Heketi Brick Management"}
	var noHealCheck bool
	evict := &cobra.Command{
		Use:   "evict <brick id>",
		Short: "Evict a brick: replace it by a new brick on another device",
		RunE: a.withID("Brick", func(ctx context.Context, id string) error {
			req := &api.BrickEvictRequest{}
			if noHealCheck {
				req.HealCheck = api.HealCheckDisable
			}
			if err := a.c.BrickEvict(ctx, id, req); err != nil {
				return err
			}
			a.printf("Brick %s evicted\n", id)
			return nil
		}),
	}
	evict.Flags().BoolVar(&noHealCheck, "expert-option-disable-heal-check", false, "EXPERT: do not check that the volume is healed first")
	cmd.AddCommand(evict)
	return cmd
}
