package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basalt-storage/basalt/client"
	"github.com/basalt-storage/basalt/client/api"
)

// Names used by setup-openshift-heketi-storage.
const (
	// DBVolumeName is the gluster volume that holds the server's database.
	DBVolumeName = "heketidbstorage"
	// dbVolumeSize is its size in GiB.
	dbVolumeSize = 2

	storageSecretName    = "heketi-storage-secret"
	storageEndpointsName = "heketi-storage-endpoints"
	storageJobName       = "heketi-storage-copy-job"
	storageLabelKey      = "deploy-heketi"
	storageLabelValue    = "support"
)

// dbVolumeOptions are the gluster options of the database volume.
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

// customDBStorageLevel marks a database volume created with custom options.
const customDBStorageLevel = "user.heketi.dbstoragelevel custom"

// storageFlags are the flags of setup-openshift-heketi-storage.
type storageFlags struct {
	listFile, image, durability string
	replica                     int
	options, appendOptions      string
	nodeSelector                []string
}

// volumeOptions returns the options for the database volume: the custom
// list (plus the custom marker) when given, else the defaults, with any
// appended options (and the custom marker) after them.
func (f *storageFlags) volumeOptions() []string {
	split := func(s string) []string {
		var out []string
		for _, o := range strings.Split(s, ",") {
			if o = strings.TrimSpace(o); o != "" {
				out = append(out, o)
			}
		}
		return out
	}
	switch {
	case f.options != "":
		return append(split(f.options), customDBStorageLevel)
	case f.appendOptions != "":
		opts := append([]string(nil), dbVolumeOptions[:len(dbVolumeOptions)-1]...)
		return append(append(opts, split(f.appendOptions)...), customDBStorageLevel)
	}
	return append([]string(nil), dbVolumeOptions...)
}

// storageCommand builds setup-openshift-heketi-storage and its aliases.
func (a *app) storageCommand() *cobra.Command {
	var sf storageFlags
	cmd := &cobra.Command{
		Use:     "setup-openshift-heketi-storage",
		Aliases: []string{"setup-heketi-db-storage", "setup-kubernetes-heketi-storage"},
		Short:   "Create a gluster volume for the server's database and a Kubernetes List to copy the database onto it",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch sf.durability {
			case "replicate", "none":
			default:
				return fmt.Errorf("Invalid durability %q: expected replicate or none", sf.durability)
			}
			selector := map[string]string{}
			for _, kv := range sf.nodeSelector {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("Invalid node selector %q: expected key=value", kv)
				}
				selector[k] = v
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			list, err := setupDBStorage(cmd.Context(), c, &sf, selector)
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(list, "", "  ")
			if err != nil {
				return err
			}
			b = append(b, '\n')
			a.printf("Saving %s\n", sf.listFile)
			if err := os.WriteFile(sf.listFile, b, 0o644); err != nil {
				return fmt.Errorf("Unable to write %s: %w", sf.listFile, err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&sf.listFile, "listfile", "heketi-storage.json", "File to write the Kubernetes List to")
	f.StringVar(&sf.image, "image", "heketi/heketi:dev", "Container image of the copy job")
	f.StringVar(&sf.durability, "durability", "replicate", "Durability of the database volume: replicate or none")
	f.IntVar(&sf.replica, "replica", 3, "Replica count of the database volume")
	f.StringVar(&sf.options, "gluster-volume-options", "", "Comma-separated gluster options replacing the defaults")
	f.StringVar(&sf.appendOptions, "append-volume-options", "", "Comma-separated gluster options added to the defaults")
	f.StringArrayVar(&sf.nodeSelector, "node-selector", nil, "key=value node selector of the copy job; repeatable")
	return cmd
}

// setupDBStorage creates the database volume and returns the Kubernetes
// List; on any error after the volume exists it deletes the volume again.
func setupDBStorage(ctx context.Context, c *client.Client, sf *storageFlags, selector map[string]string) (kList, error) {
	clusters, err := c.ClusterList(ctx)
	if err != nil {
		return kList{}, err
	}
	for _, cid := range clusters.Clusters {
		ci, err := c.ClusterInfo(ctx, cid)
		if err != nil {
			return kList{}, err
		}
		for _, vid := range ci.Volumes {
			v, err := c.VolumeInfo(ctx, vid)
			if err != nil {
				return kList{}, err
			}
			if v.Name == DBVolumeName {
				return kList{}, errors.New("Volume heketidbstorage already exists")
			}
		}
	}
	req := &api.VolumeCreateRequest{
		Size:                 dbVolumeSize,
		Name:                 DBVolumeName,
		Durability:           api.VolumeDurabilityInfo{Type: api.DurabilityType(sf.durability)},
		GlusterVolumeOptions: sf.volumeOptions(),
	}
	if sf.durability == "replicate" {
		req.Durability.Replicate.Replica = sf.replica
	}
	v, err := c.VolumeCreate(ctx, req)
	if err != nil {
		return kList{}, err
	}
	list, err := dbStorageList(ctx, c, v, sf.image, selector)
	if err != nil {
		if derr := c.VolumeDelete(ctx, v.ID); derr != nil {
			return kList{}, fmt.Errorf("%w (and deleting volume %s failed: %s)", err, v.ID, errorText(derr))
		}
		return kList{}, err
	}
	return list, nil
}

// dbStorageList downloads the database and builds the Kubernetes List.
func dbStorageList(ctx context.Context, c *client.Client, v *api.VolumeInfoResponse, image string, selector map[string]string) (kList, error) {
	var db bytes.Buffer
	if err := c.BackupDb(ctx, &db); err != nil {
		return kList{}, fmt.Errorf("Unable to get a copy of the database: %w", err)
	}
	labels := map[string]string{storageLabelKey: storageLabelValue}
	meta := func(name string) kMeta { return kMeta{Name: name, Labels: labels} }
	if len(selector) == 0 {
		selector = nil
	}
	one := int32(1)
	return kList{
		Kind:       "List",
		APIVersion: "v1",
		Items: []any{
			kObject{Kind: "Secret", APIVersion: "v1", Metadata: meta(storageSecretName),
				Data: map[string]string{"heketi.db": base64.StdEncoding.EncodeToString(db.Bytes())}},
			kObject{Kind: "Endpoints", APIVersion: "v1", Metadata: meta(storageEndpointsName),
				Subsets: endpointSubsets(v.Mount.GlusterFS.Hosts)},
			kObject{Kind: "Service", APIVersion: "v1", Metadata: meta(storageEndpointsName),
				Spec: kServiceSpec{Ports: []kServicePort{{Port: 1, TargetPort: 0}}}},
			kObject{Kind: "Job", APIVersion: "batch/v1", Metadata: meta(storageJobName),
				Spec: kJobSpec{
					Parallelism: &one,
					Completions: &one,
					Template: kPodTemplate{
						Metadata: kMeta{Name: storageJobName},
						Spec: kPodSpec{
							Volumes: []kVolume{
								{Name: "heketi-storage", GlusterFS: &pvGlusterFS{Endpoints: storageEndpointsName, Path: v.Name}},
								{Name: "heketi-storage-secret", Secret: &kSecretSource{SecretName: storageSecretName}},
							},
							Containers: []kContainer{{
								Name:    "heketi",
								Image:   image,
								Command: []string{"cp", "/db/heketi.db", "/heketi"},
								VolumeMounts: []kVolumeMount{
									{Name: "heketi-storage", MountPath: "/heketi"},
									{Name: "heketi-storage-secret", MountPath: "/db"},
								},
							}},
							RestartPolicy: "Never",
							NodeSelector:  selector,
						},
					},
				}},
		},
	}, nil
}

// kList is a Kubernetes List.
type kList struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Items      []any  `json:"items"`
}

// kMeta is Kubernetes object metadata (without the creation timestamp).
type kMeta struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// kObject is any of the objects of the List; only the fields of its kind
// are set.
type kObject struct {
	Kind       string            `json:"kind"`
	APIVersion string            `json:"apiVersion"`
	Metadata   kMeta             `json:"metadata"`
	Data       map[string]string `json:"data,omitempty"`
	Subsets    []endpointSubset  `json:"subsets,omitempty"`
	Spec       any               `json:"spec,omitempty"`
}

// kServiceSpec is a Service spec.
type kServiceSpec struct {
	Ports []kServicePort `json:"ports"`
}

// kServicePort is a Service port.
type kServicePort struct {
	Port       int `json:"port"`
	TargetPort int `json:"targetPort"`
}

// kJobSpec is a batch/v1 Job spec.
type kJobSpec struct {
	Parallelism *int32       `json:"parallelism,omitempty"`
	Completions *int32       `json:"completions,omitempty"`
	Template    kPodTemplate `json:"template"`
}

// kPodTemplate is a pod template.
type kPodTemplate struct {
	Metadata kMeta    `json:"metadata"`
	Spec     kPodSpec `json:"spec"`
}

// kPodSpec is a pod spec.
type kPodSpec struct {
	Volumes       []kVolume         `json:"volumes"`
	Containers    []kContainer      `json:"containers"`
	RestartPolicy string            `json:"restartPolicy"`
	NodeSelector  map[string]string `json:"nodeSelector,omitempty"`
}

// kVolume is a pod volume: glusterfs or secret.
type kVolume struct {
	Name      string         `json:"name"`
	GlusterFS *pvGlusterFS   `json:"glusterfs,omitempty"`
	Secret    *kSecretSource `json:"secret,omitempty"`
}

// kSecretSource is a secret volume source.
type kSecretSource struct {
	SecretName string `json:"secretName"`
}

// kContainer is a container of a pod.
type kContainer struct {
	Name         string         `json:"name"`
	Image        string         `json:"image"`
	Command      []string       `json:"command"`
	VolumeMounts []kVolumeMount `json:"volumeMounts"`
}

// kVolumeMount mounts a pod volume into a container.
type kVolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
}
