package heketidump

import (
	"fmt"
	"strings"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
)

// Export reads every record through r (one consistent snapshot when r is the
// Reader of a View) and returns the equivalent Heketi dump. Child lists
// (a cluster's nodes, a device's bricks, ...) come from the store's indexes,
// sorted, and include records an operation is still working on, as Heketi's
// entries do. DB_GENERATION_ID is the store's generation id.
func Export(r db.Reader) (*Dump, error) {
	d := New()
	if err := exportClusters(r, d); err != nil {
		return nil, err
	}
	if err := exportNodes(r, d); err != nil {
		return nil, err
	}
	if err := exportDevices(r, d); err != nil {
		return nil, err
	}
	if err := exportVolumes(r, d); err != nil {
		return nil, err
	}
	if err := exportBricks(r, d); err != nil {
		return nil, err
	}
	if err := exportBlockVolumes(r, d); err != nil {
		return nil, err
	}
	if err := exportPendingOps(r, d); err != nil {
		return nil, err
	}
	gen, err := r.Meta(db.MetaGenerationID)
	if err != nil {
		return nil, err
	}
	for _, k := range markerAttrs {
		d.DBAttributes[k] = DBAttributeEntry{Key: k, Value: "yes"}
	}
	d.DBAttributes[AttrGenerationID] = DBAttributeEntry{Key: AttrGenerationID, Value: gen}
	return d, nil
}

func exportClusters(r db.Reader, d *Dump) error {
	ids, err := r.ClusterIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := r.Cluster(id)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", id, err)
		}
		info := api.ClusterInfoResponse{ID: c.ID, ClusterFlags: api.ClusterFlags{Block: c.Block, File: c.File}}
		if info.Nodes, err = r.ClusterNodeIDs(id); err != nil {
			return err
		}
		if info.Volumes, err = r.ClusterVolumeIDs(id); err != nil {
			return err
		}
		if info.BlockVolumes, err = r.ClusterBlockVolumeIDs(id); err != nil {
			return err
		}
		d.Clusters[id] = ClusterEntry{Info: info}
	}
	return nil
}

func exportNodes(r db.Reader, d *Dump) error {
	ids, err := r.NodeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		n, err := r.Node(id)
		if err != nil {
			return fmt.Errorf("node %s: %w", id, err)
		}
		devs, err := r.NodeDeviceIDs(id)
		if err != nil {
			return err
		}
		d.Nodes[id] = NodeEntry{
			State: n.State,
			Info: api.NodeInfo{
				NodeAddRequest: api.NodeAddRequest{
					Zone:      n.Zone,
					Hostnames: api.HostAddresses{Manage: nonNil(n.ManageHostnames), Storage: nonNil(n.StorageHostnames)},
					ClusterID: n.ClusterID,
					Tags:      n.Tags,
				},
				ID: n.ID,
			},
			Devices: devs,
			Pending: marker(n.PendingOpID),
		}
	}
	return nil
}

func exportDevices(r db.Reader, d *Dump) error {
	ids, err := r.DeviceIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		dev, err := r.Device(id)
		if err != nil {
			return fmt.Errorf("device %s: %w", id, err)
		}
		bricks, err := r.DeviceBrickIDs(id)
		if err != nil {
			return err
		}
		d.Devices[id] = DeviceEntry{
			State: dev.State,
			Info: api.DeviceInfo{
				Device:  api.Device{Name: dev.Name, Tags: dev.Tags},
				Storage: api.StorageSize{Total: dev.TotalKiB, Free: dev.FreeKiB, Used: dev.UsedKiB},
				ID:      dev.ID,
				Paths:   dev.Paths,
				PVUUID:  dev.PVUUID,
			},
			Bricks:     bricks,
			NodeID:     dev.NodeID,
			ExtentSize: dev.ExtentSizeKiB,
			Pending:    marker(dev.PendingOpID),
		}
	}
	return nil
}

func exportVolumes(r db.Reader, d *Dump) error {
	ids, err := r.VolumeIDs()
	if err != nil {
		return err
	}
	mounts := map[string][]string{} // cluster id -> mount hosts
	for _, id := range ids {
		v, err := r.Volume(id)
		if err != nil {
			return fmt.Errorf("volume %s: %w", id, err)
		}
		hosts, ok := mounts[v.ClusterID]
		if !ok {
			if hosts, err = mountHosts(r, v.ClusterID); err != nil {
				return err
			}
			mounts[v.ClusterID] = hosts
		}
		info := api.VolumeInfo{
			VolumeCreateRequest: api.VolumeCreateRequest{
				Size:                 v.SizeGiB,
				Name:                 v.Name,
				Durability:           v.Durability,
				Gid:                  v.Gid,
				GlusterVolumeOptions: v.Options,
				Block:                v.Block,
				Snapshot:             v.Snapshot,
			},
			ID:        v.ID,
			Cluster:   v.ClusterID,
			BlockInfo: v.BlockInfo,
		}
		info.Mount.GlusterFS = mountOf(v.Name, hosts)
		bvs, err := r.VolumeBlockVolumeIDs(id)
		if err != nil {
			return err
		}
		info.BlockInfo.BlockVolumes = nil
		if len(bvs) > 0 {
			info.BlockInfo.BlockVolumes = bvs
		}
		bricks, err := r.VolumeBrickIDs(id)
		if err != nil {
			return err
		}
		d.Volumes[id] = VolumeEntry{
			Info:                 info,
			Bricks:               bricks,
			GlusterVolumeOptions: v.Options,
			Pending:              PendingItem{ID: v.PendingOpID},
		}
	}
	return nil
}

// mountOf is the glusterfs mount a client uses, as the volume API shows it.
func mountOf(name string, hosts []string) api.GlusterFSMount {
	m := api.GlusterFSMount{Hosts: hosts, Options: map[string]string{"backup-volfile-servers": ""}}
	if len(hosts) > 0 {
		m.MountPoint = hosts[0] + ":" + name
		m.Options["backup-volfile-servers"] = strings.Join(hosts[1:], ",")
	}
	return m
}

// mountHosts are the storage hostnames of a cluster's nodes in id order,
// leaving out nodes an operation is still adding (as the volume API does).
func mountHosts(r db.Reader, clusterID string) ([]string, error) {
	hosts := []string{}
	if clusterID == "" {
		return hosts, nil
	}
	ids, err := r.ClusterNodeIDs(clusterID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		n, err := r.Node(id)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", id, err)
		}
		adding, err := beingAdded(r, n.PendingOpID)
		if err != nil {
			return nil, err
		}
		if !adding && len(n.StorageHostnames) > 0 {
			hosts = append(hosts, n.StorageHostnames[0])
		}
	}
	return hosts, nil
}

// beingAdded reports whether the operation opID is creating its records.
func beingAdded(r db.Reader, opID string) (bool, error) {
	if opID == "" {
		return false, nil
	}
	op, err := r.PendingOp(opID)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch op.Type {
	case db.OpAddNode, db.OpAddDevice, db.OpCreateVolume, db.OpCloneVolume, db.OpCreateBlockVolume:
		return true, nil
	}
	return false, nil
}

func exportBricks(r db.Reader, d *Dump) error {
	ids, err := r.BrickIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		b, err := r.Brick(id)
		if err != nil {
			return fmt.Errorf("brick %s: %w", id, err)
		}
		d.Bricks[id] = BrickEntry{
			Info: api.BrickInfo{
				ID: b.ID, Path: b.Path, DeviceID: b.DeviceID, NodeID: b.NodeID, VolumeID: b.VolumeID, Size: b.SizeKiB,
			},
			TpSize:           b.TpSizeKiB,
			PoolMetadataSize: b.PoolMetadataSizeKiB,
			Pending:          PendingItem{ID: b.PendingOpID},
			LvmThinPool:      b.ThinPool,
			LvmLv:            b.LV,
			SubType:          b.SubType,
		}
	}
	return nil
}

func exportBlockVolumes(r db.Reader, d *Dump) error {
	ids, err := r.BlockVolumeIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		bv, err := r.BlockVolume(id)
		if err != nil {
			return fmt.Errorf("block volume %s: %w", id, err)
		}
		d.BlockVolumes[id] = BlockVolumeEntry{
			Info: api.BlockVolumeInfo{
				BlockVolumeCreateRequest: api.BlockVolumeCreateRequest{
					Size: bv.SizeGiB, Name: bv.Name, Hacount: bv.HACount, Auth: bv.Auth,
				},
				ID: bv.ID,
				BlockVolume: api.BlockVolumeTarget{
					Hosts: bv.Hosts, Iqn: bv.IQN, Lun: bv.LUN, Username: bv.Username, Password: bv.Password,
				},
				Cluster:            bv.ClusterID,
				BlockHostingVolume: bv.BlockHostingVolume,
				UsableSize:         bv.UsableSizeGiB,
			},
			Pending: PendingItem{ID: bv.PendingOpID},
		}
	}
	return nil
}

func exportPendingOps(r db.Reader, d *Dump) error {
	ids, err := r.PendingOpIDs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		op, err := r.PendingOp(id)
		if err != nil {
			return fmt.Errorf("pending operation %s: %w", id, err)
		}
		e := PendingOpEntry{
			ID:        op.ID,
			Timestamp: op.Timestamp,
			Type:      int(op.Type),
			Actions:   make([]PendingAction, 0, len(op.Actions)),
			Status:    op.Status,
			Phase:     op.Phase,
			Error:     op.Error,
		}
		for _, a := range op.Actions {
			e.Actions = append(e.Actions, PendingAction{Change: int(a.Change), ID: a.ID, Delta: a.Delta})
		}
		for _, s := range op.Steps {
			e.Steps = append(e.Steps, OpStep{Name: s.Name, Host: s.Host, Started: s.Started, Done: s.Done})
		}
		d.PendingOps[id] = e
	}
	return nil
}

// marker returns Basalt's optional pending marker for nodes and devices.
func marker(opID string) *PendingItem {
	if opID == "" {
		return nil
	}
	return &PendingItem{ID: opID}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
