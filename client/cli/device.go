package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
)

// healCheckWait is how long `device remove --expert-option-disable-heal-check`
// waits before acting, giving the admin a last chance to interrupt, as
// heketi-cli does.
const healCheckWait = 10 * time.Second

// deviceCommand builds `device add|delete|remove|enable|disable|info|resync|settags|rmtags`.
func (a *app) deviceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "device", Short: "Heketi device management"}

	var name, node string
	var destroy bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add new device to node to be managed by Heketi",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return errors.New("Missing device name")
			}
			if node == "" {
				return errors.New("Missing node id")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			req := &api.DeviceAddRequest{Device: api.Device{Name: name}, NodeID: node, DestroyData: destroy}
			if err := c.DeviceAdd(cmd.Context(), req); err != nil {
				return err
			}
			a.printf("Device added successfully\n")
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "Name of device to add")
	add.Flags().StringVar(&node, "node", "", "Id of the node which has this device")
	add.Flags().BoolVar(&destroy, "destroy-existing-data", false, "Destroy any data on the device (wipe it before use)")

	var forceForget bool
	del := &cobra.Command{
		Use:   "delete <device id>",
		Short: "Deletes a device from Heketi node",
		RunE: a.withID("Device", func(ctx context.Context, id string) error {
			if err := a.c.DeviceDeleteWithOptions(ctx, id, &api.DeviceDeleteOptions{ForceForget: forceForget}); err != nil {
				return err
			}
			a.printf("Device %s deleted\n", id)
			return nil
		}),
	}
	del.Flags().BoolVar(&forceForget, "force-forget", false, "Delete the device from the database even if it cannot be cleaned up on the node")

	var noHealCheck bool
	remove := &cobra.Command{
		Use:   "remove <device id>",
		Short: "Removes a device from Heketi node, moving its bricks to other devices",
		RunE: a.withID("Device", func(ctx context.Context, id string) error {
			req := &api.StateRequest{State: api.EntryStateFailed}
			if noHealCheck {
				fmt.Fprintf(a.stderr, "Heal checks are disabled: removing device %s in %v (interrupt to cancel)\n", id, healCheckWait)
				select {
				case <-time.After(healCheckWait):
				case <-ctx.Done():
					return ctx.Err()
				}
				req.HealCheck = api.HealCheckDisable
			}
			if err := a.c.DeviceState(ctx, id, req); err != nil {
				return err
			}
			a.printf("Device %s is now removed\n", id)
			return nil
		}),
	}
	remove.Flags().BoolVar(&noHealCheck, "expert-option-disable-heal-check", false, "EXPERT: do not check that volumes are healed before moving bricks")

	state := func(use, short string, s api.EntryState) *cobra.Command {
		return &cobra.Command{
			Use:   use + " <device id>",
			Short: short,
			RunE: a.withID("Device", func(ctx context.Context, id string) error {
				if err := a.c.DeviceState(ctx, id, &api.StateRequest{State: s}); err != nil {
					return err
				}
				a.printf("Device %s is now %s\n", id, s)
				return nil
			}),
		}
	}

	info := &cobra.Command{
		Use:   "info <device id>",
		Short: "Retrieves information about device",
		RunE: a.withID("Device", func(ctx context.Context, id string) error {
			d, err := a.c.DeviceInfo(ctx, id)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(d)
			}
			a.printf("%s", formatDeviceInfo(d))
			return nil
		}),
	}

	var resyncCluster bool
	resync := &cobra.Command{
		Use:   "resync <device id>",
		Short: "Resync storage information about the device with operating system",
		RunE: a.withID("Device", func(ctx context.Context, id string) error {
			ids := []string{id}
			if resyncCluster {
				var err error
				if ids, err = a.clusterDevices(ctx, id); err != nil {
					return err
				}
			}
			for _, d := range ids {
				if err := a.c.DeviceResync(ctx, d); err != nil {
					return err
				}
				a.printf("Device %s updated\n", d)
			}
			return nil
		}),
	}
	resync.Flags().BoolVar(&resyncCluster, "cluster", false, "Treat the id as a cluster id and resync every device of the cluster")

	settags, rmtags := a.tagCommands("device", "Device", func(ctx context.Context, id string, req *api.TagsChangeRequest) error {
		return a.c.DeviceSetTags(ctx, id, req)
	})

	cmd.AddCommand(add, del, remove,
		state("enable", "Allows device to go online", api.EntryStateOnline),
		state("disable", "Disallow usage of a device by placing it offline", api.EntryStateOffline),
		info, resync, settags, rmtags)
	return cmd
}

// clusterDevices lists the ids of every device of every node of a cluster.
func (a *app) clusterDevices(ctx context.Context, clusterID string) ([]string, error) {
	ci, err := a.c.ClusterInfo(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, nid := range ci.Nodes {
		n, err := a.c.NodeInfo(ctx, nid)
		if err != nil {
			return nil, err
		}
		for _, d := range n.DevicesInfo {
			ids = append(ids, d.ID)
		}
	}
	return ids, nil
}

// formatDeviceInfo renders `device info`.
func formatDeviceInfo(d *api.DeviceInfoResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Device Id: %s\n", d.ID)
	fmt.Fprintf(&b, "Name: %s\n", d.Name)
	fmt.Fprintf(&b, "State: %s\n", d.State)
	fmt.Fprintf(&b, "Size (GiB): %d\n", gib(d.Storage.Total))
	fmt.Fprintf(&b, "Used (GiB): %d\n", gib(d.Storage.Used))
	fmt.Fprintf(&b, "Free (GiB): %d\n", gib(d.Storage.Free))
	if len(d.Tags) > 0 {
		fmt.Fprintf(&b, "Tags: %s\n", formatTags(d.Tags))
	}
	if len(d.Paths) > 0 {
		fmt.Fprintf(&b, "Known Paths: %s\n", strings.Join(d.Paths, " "))
	}
	fmt.Fprintf(&b, "Bricks:\n")
	for _, br := range d.Bricks {
		fmt.Fprintf(&b, "Id:%-35s Size (GiB):%-8d Path: %s\n", br.ID, gib(br.Size), br.Path)
	}
	return b.String()
}
