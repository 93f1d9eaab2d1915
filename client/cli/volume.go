package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client/api"
)

// DefaultPVEndpoint is the endpoint written into a persistent volume when
// --persistent-volume-endpoint is not given.
const DefaultPVEndpoint = "TYPE ENDPOINT HERE"

// volumeCreateFlags are the flags of `volume create`.
type volumeCreateFlags struct {
	size, replica, disperseData, redundancy int
	gid                                     int64
	name, durability, clusters, options     string
	snapshotFactor                          float64
	block, pv                               bool
	pvFile, pvEndpoint                      string
}

// request builds the body heketi-cli sends: durability always carries the
// replica and disperse numbers of the flags, whatever the type.
func (f *volumeCreateFlags) request() (*api.VolumeCreateRequest, error) {
	if f.size <= 0 {
		return nil, errors.New("Missing volume size")
	}
	req := &api.VolumeCreateRequest{
		Size: f.size,
		Name: f.name,
		Durability: api.VolumeDurabilityInfo{
			Type:      api.DurabilityType(f.durability),
			Replicate: api.ReplicaDurability{Replica: f.replica},
			Disperse:  api.DisperseDurability{Data: f.disperseData, Redundancy: f.redundancy},
		},
		Gid:   f.gid,
		Block: f.block,
	}
	if f.snapshotFactor > 1.0 {
		req.Snapshot = api.VolumeSnapshot{Enable: true, Factor: float32(f.snapshotFactor)}
	}
	if f.clusters != "" {
		req.Clusters = strings.Split(f.clusters, ",")
	}
	if f.options != "" {
		req.GlusterVolumeOptions = strings.Split(f.options, ",")
	}
	return req, nil
}

// volumeCommand builds the `volume` commands.
func (a *app) volumeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "volume", Short: "Heketi Volume Management"}

	var vf volumeCreateFlags
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a GlusterFS volume",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := vf.request()
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			v, err := c.VolumeCreate(cmd.Context(), req)
			if err != nil {
				return err
			}
			if vf.pv || vf.pvFile != "" {
				return a.writePV(v, vf.pvEndpoint, vf.pvFile)
			}
			return a.showVolume(v)
		},
	}
	f := create.Flags()
	f.IntVar(&vf.size, "size", 0, "Size of volume in GiB (required)")
	f.StringVar(&vf.name, "name", "", "Name of volume; when empty the server names it vol_<id>")
	f.StringVar(&vf.durability, "durability", "replicate", "Durability type: none, replicate or disperse")
	f.IntVar(&vf.replica, "replica", 3, "Replica count for durability type replicate")
	f.IntVar(&vf.disperseData, "disperse-data", 4, "Data bricks per set for durability type disperse")
	f.IntVar(&vf.redundancy, "redundancy", 2, "Redundancy bricks per set for durability type disperse")
	f.Int64Var(&vf.gid, "gid", 0, "Group id for the volume's brick root; 0 means none")
	f.Float64Var(&vf.snapshotFactor, "snapshot-factor", 1.0, "Snapshot space factor (1.0 - 100.0); above 1.0 enables snapshots")
	f.StringVar(&vf.clusters, "clusters", "", "Comma-separated ids of the clusters the volume may be placed in")
	f.StringVar(&vf.options, "gluster-volume-options", "", "Comma-separated gluster volume options, each \"<key> <value>\"")
	f.BoolVar(&vf.block, "block", false, "Create a block-hosting volume")
	f.BoolVar(&vf.pv, "persistent-volume", false, "Print a Kubernetes PersistentVolume (JSON) for the new volume")
	f.StringVar(&vf.pvFile, "persistent-volume-file", "", "Write the Kubernetes PersistentVolume (JSON) to this file")
	f.StringVar(&vf.pvEndpoint, "persistent-volume-endpoint", DefaultPVEndpoint, "Endpoints name for the Kubernetes PersistentVolume")

	del := &cobra.Command{
		Use:   "delete <volume id>",
		Short: "Deletes the volume",
		RunE: a.withID("Volume", func(ctx context.Context, id string) error {
			if err := a.c.VolumeDelete(ctx, id); err != nil {
				return err
			}
			a.printf("Volume %s deleted\n", id)
			return nil
		}),
	}

	var expandSize int
	var expandID string
	expand := &cobra.Command{
		Use:   "expand [<volume id>]",
		Short: "Expand a volume",
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := optionalID(args, expandID, "Volume")
			if err != nil {
				return err
			}
			if expandSize <= 0 {
				return errors.New("Missing volume amount to expand")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			v, err := c.VolumeExpand(cmd.Context(), id, &api.VolumeExpandRequest{Size: expandSize})
			if err != nil {
				return err
			}
			return a.showVolume(v)
		},
	}
	expand.Flags().IntVar(&expandSize, "expand-size", 0, "Amount in GiB to add to the volume")
	expand.Flags().StringVar(&expandID, "volume", "", "Id of the volume to expand")

	info := &cobra.Command{
		Use:   "info <volume id>",
		Short: "Retrieves information about the volume",
		RunE: a.withID("Volume", func(ctx context.Context, id string) error {
			v, err := a.c.VolumeInfo(ctx, id)
			if err != nil {
				return err
			}
			return a.showVolume(v)
		}),
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "Lists the volumes managed by Heketi",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			l, err := c.VolumeList(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.printJSON(l)
			}
			var b strings.Builder
			for _, id := range l.Volumes {
				v, err := c.VolumeInfo(cmd.Context(), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "%s\n", volumeListLine(v))
			}
			a.printf("%s", b.String())
			return nil
		},
	}

	var cloneName string
	clone := &cobra.Command{
		Use:   "clone <volume id>",
		Short: "Creates a clone of the volume",
		RunE: a.withID("Volume", func(ctx context.Context, id string) error {
			v, err := a.c.VolumeClone(ctx, id, &api.VolumeCloneRequest{Name: cloneName})
			if err != nil {
				return err
			}
			return a.showVolume(v)
		}),
	}
	clone.Flags().StringVar(&cloneName, "name", "", "Name of the new volume")

	restriction := &cobra.Command{
		Use:   "set-block-hosting-restriction locked|unlocked <volume id>",
		Short: "Set or clear the restriction on creating block volumes in a block-hosting volume",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return errors.New("Expected a restriction (locked or unlocked) and a volume id")
			}
			var r api.BlockRestriction
			switch args[0] {
			case "locked":
				r = api.Locked
			case "unlocked":
				r = api.Unrestricted
			default:
				return fmt.Errorf("Invalid restriction %q: expected locked or unlocked", args[0])
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			v, err := c.VolumeSetBlockRestriction(cmd.Context(), args[1], &api.VolumeBlockRestrictionRequest{Restriction: r})
			if err != nil {
				return err
			}
			return a.showVolume(v)
		},
	}

	endpoint := &cobra.Command{Use: "endpoint", Short: "Kubernetes endpoints of a volume"}
	patch := &cobra.Command{
		Use:   "patch <volume id>",
		Short: "Print a patch for a Kubernetes Endpoints object with the volume's mount hosts",
		RunE: a.withID("Volume", func(ctx context.Context, id string) error {
			v, err := a.c.VolumeInfo(ctx, id)
			if err != nil {
				return err
			}
			return a.printJSON(struct {
				Subsets []endpointSubset `json:"subsets"`
			}{endpointSubsets(v.Mount.GlusterFS.Hosts)})
		}),
	}
	endpoint.AddCommand(patch)

	cmd.AddCommand(create, del, expand, info, list, clone, restriction, endpoint)
	return cmd
}

// optionalID picks the id from a positional argument or a flag.
func optionalID(args []string, flag, what string) (string, error) {
	switch {
	case len(args) > 1:
		return "", fmt.Errorf("too many arguments: expected one %s id", strings.ToLower(what))
	case len(args) == 1 && flag != "" && flag != args[0]:
		return "", fmt.Errorf("%s id given twice with different values", what)
	case len(args) == 1:
		return args[0], nil
	case flag != "":
		return flag, nil
	}
	return "", fmt.Errorf("%s id missing", what)
}

// showVolume prints a volume as JSON or in `volume info` text.
func (a *app) showVolume(v *api.VolumeInfoResponse) error {
	if a.jsonOut {
		return a.printJSON(v)
	}
	a.printf("%s", formatVolumeInfo(v))
	return nil
}

// volumeListLine renders one line of `volume list`.
func volumeListLine(v *api.VolumeInfoResponse) string {
	s := fmt.Sprintf("Id:%s    Cluster:%s    Name:%s", v.ID, v.Cluster, v.Name)
	if v.Block {
		s += " [block]"
	}
	return s
}

// distributeCount returns the number of brick sets (distribute count) of a
// volume. heketi-cli divides by the stored replica count and crashes when
// it is 0; a replica-0 volume is built 2-way by the server, so that is used.
func distributeCount(v *api.VolumeInfoResponse) (distribute, replica int) {
	per := 1
	switch v.Durability.Type {
	case api.DurabilityReplicate:
		replica = v.Durability.Replicate.Replica
		if replica <= 0 {
			replica = 2
		}
		per = replica
	case api.DurabilityDisperse:
		per = v.Durability.Disperse.Data + v.Durability.Disperse.Redundancy
	}
	if per <= 0 {
		per = 1
	}
	return len(v.Bricks) / per, replica
}

// formatVolumeInfo renders `volume info` (also printed by create, expand,
// clone and set-block-hosting-restriction).
func formatVolumeInfo(v *api.VolumeInfoResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name: %s\n", v.Name)
	fmt.Fprintf(&b, "Size: %d\n", v.Size)
	fmt.Fprintf(&b, "Volume Id: %s\n", v.ID)
	fmt.Fprintf(&b, "Cluster Id: %s\n", v.Cluster)
	fmt.Fprintf(&b, "Mount: %s\n", v.Mount.GlusterFS.MountPoint)
	fmt.Fprintf(&b, "Mount Options: backup-volfile-servers=%s\n", v.Mount.GlusterFS.Options["backup-volfile-servers"])
	fmt.Fprintf(&b, "Block: %t\n", v.Block)
	fmt.Fprintf(&b, "Free Size: %d\n", v.BlockInfo.FreeSize)
	fmt.Fprintf(&b, "Reserved Size: %d\n", v.BlockInfo.ReservedSize)
	restriction := string(v.BlockInfo.Restriction)
	if restriction == "" {
		restriction = "(none)"
	}
	fmt.Fprintf(&b, "Block Hosting Restriction: %s\n", restriction)
	fmt.Fprintf(&b, "Block Volumes: [%s]\n", strings.Join(v.BlockInfo.BlockVolumes, " "))
	typ := v.Durability.Type
	if typ == "" {
		typ = api.DurabilityNone
	}
	fmt.Fprintf(&b, "Durability Type: %s\n", typ)
	distribute, replica := distributeCount(v)
	fmt.Fprintf(&b, "Distribute Count: %d\n", distribute)
	switch typ {
	case api.DurabilityReplicate:
		fmt.Fprintf(&b, "Replica Count: %d\n", replica)
	case api.DurabilityDisperse:
		fmt.Fprintf(&b, "Disperse Data Count: %d\n", v.Durability.Disperse.Data)
		fmt.Fprintf(&b, "Disperse Redundancy Count: %d\n", v.Durability.Disperse.Redundancy)
	}
	if v.Snapshot.Enable {
		fmt.Fprintf(&b, "Snapshot Factor: %.2f\n", v.Snapshot.Factor)
	}
	return b.String()
}

// endpointSubset is one subset of a Kubernetes Endpoints object.
type endpointSubset struct {
	Addresses []endpointAddress `json:"addresses"`
	Ports     []endpointPort    `json:"ports"`
}

// endpointAddress is an address of an Endpoints subset.
type endpointAddress struct {
	IP string `json:"ip"`
}

// endpointPort is a port of an Endpoints subset.
type endpointPort struct {
	Port int `json:"port"`
}

// endpointSubsets builds one subset per host, each with the host as IP and
// port 1 (a placeholder: the glusterfs volume plugin only reads the IPs).
func endpointSubsets(hosts []string) []endpointSubset {
	out := make([]endpointSubset, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, endpointSubset{
			Addresses: []endpointAddress{{IP: h}},
			Ports:     []endpointPort{{Port: 1}},
		})
	}
	return out
}

// persistentVolume is the Kubernetes PersistentVolume printed by
// `volume create --persistent-volume`.
type persistentVolume struct {
	Kind       string   `json:"kind"`
	APIVersion string   `json:"apiVersion"`
	Metadata   k8sMeta  `json:"metadata"`
	Spec       pvSpec   `json:"spec"`
	Status     struct{} `json:"status"`
}

// k8sMeta is Kubernetes object metadata.
type k8sMeta struct {
	Name              string            `json:"name"`
	CreationTimestamp *string           `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
}

// pvSpec is a PersistentVolume spec with a glusterfs source.
type pvSpec struct {
	Capacity      map[string]string `json:"capacity"`
	GlusterFS     pvGlusterFS       `json:"glusterfs"`
	AccessModes   []string          `json:"accessModes"`
	ReclaimPolicy string            `json:"persistentVolumeReclaimPolicy"`
}

// pvGlusterFS is a glusterfs volume source.
type pvGlusterFS struct {
	Endpoints string `json:"endpoints"`
	Path      string `json:"path"`
}

// newPersistentVolume describes volume v as a Kubernetes PersistentVolume
// that mounts it through the endpoints named endpoint.
func newPersistentVolume(v *api.VolumeInfoResponse, endpoint string) *persistentVolume {
	name := v.ID
	if len(name) > 8 {
		name = name[:8]
	}
	pv := &persistentVolume{
		Kind:       "PersistentVolume",
		APIVersion: "v1",
		Metadata: k8sMeta{
			Name: "glusterfs-" + name,
			Annotations: map[string]string{
				"pv.beta.kubernetes.io/gid":              strconv.FormatInt(v.Gid, 10),
				"gluster.kubernetes.io/heketi-volume-id": v.ID,
			},
		},
		Spec: pvSpec{
			Capacity:      map[string]string{"storage": strconv.Itoa(v.Size) + "Gi"},
			GlusterFS:     pvGlusterFS{Endpoints: endpoint, Path: v.Name},
			AccessModes:   []string{"ReadWriteMany"},
			ReclaimPolicy: "Retain",
		},
	}
	return pv
}

// writePV prints or writes the PersistentVolume of a new volume.
func (a *app) writePV(v *api.VolumeInfoResponse, endpoint, file string) error {
	b, err := json.MarshalIndent(newPersistentVolume(v, endpoint), "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if file == "" {
		_, err = a.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return fmt.Errorf("write persistent volume file: %w", err)
	}
	return nil
}
