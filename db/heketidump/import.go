package heketidump

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// maxProblems bounds how many validation problems an Import error lists.
const maxProblems = 20

// Import writes the records of d through w, which must belong to an empty
// store (no clusters, nodes, devices, volumes, bricks, block volumes or
// pending operations). It first validates the dump as a whole and refuses it,
// listing up to 20 problems, when
//
//   - a map key differs from the id of its entry;
//   - a reference names an entry missing from the dump, or two entries
//     disagree about a link (a cluster lists a node whose cluster is another,
//     a brick's node is not its device's node, ...);
//   - a volume's durability type is unknown (Heketi's text
//     "Not a known volume durability type: <t>"; "" is read as none);
//   - an attribute is not one of Heketi's (Heketi refuses those too).
//
// Child lists are rebuilt from the children's parent ids, and nodes' manage
// and storage hostnames are registered, so duplicate-hostname protection
// keeps working after an import (Heketi's import forgets it). The imported
// database gets a new generation id. Size drift and dangling pending markers
// are imported as they are; `db consistency-check` reports them.
func Import(d *Dump, w db.Writer) error {
	if d == nil {
		return errs.New(errs.Invalid, "no dump to import")
	}
	if err := requireEmpty(w); err != nil {
		return err
	}
	if problems := validate(d); len(problems) > 0 {
		msg := "invalid database dump: " + strings.Join(problems[:min(len(problems), maxProblems)], "; ")
		if len(problems) > maxProblems {
			msg += fmt.Sprintf("; and %d more", len(problems)-maxProblems)
		}
		return errs.New(errs.Invalid, msg)
	}
	if err := writeRecords(d, w); err != nil {
		return err
	}
	return w.SetMeta(db.MetaGenerationID, idgen.New())
}

// requireEmpty refuses a store that already holds records.
func requireEmpty(r db.Reader) error {
	lists := []struct {
		what string
		list func() ([]string, error)
	}{
		{"clusters", r.ClusterIDs}, {"nodes", r.NodeIDs}, {"devices", r.DeviceIDs}, {"volumes", r.VolumeIDs},
		{"bricks", r.BrickIDs}, {"block volumes", r.BlockVolumeIDs}, {"pending operations", r.PendingOpIDs},
	}
	for _, l := range lists {
		ids, err := l.list()
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return errs.Newf(errs.Conflict, "import needs an empty database, but it already has %d %s", len(ids), l.what)
		}
	}
	return nil
}

// knownDurability reports whether t is a durability type Basalt can manage.
func knownDurability(t api.DurabilityType) bool {
	switch t {
	case api.DurabilityNone, api.DurabilityReplicate, api.DurabilityDisperse, api.DurabilityUnassigned:
		return true
	}
	return false
}

// validate returns every problem of d, in a stable order.
func validate(d *Dump) []string {
	var p problems
	for _, id := range sortedKeys(d.Clusters) {
		c := d.Clusters[id]
		p.key("cluster", id, c.Info.ID)
		p.children("cluster", id, "node", c.Info.Nodes, func(n string) (string, bool) {
			e, ok := d.Nodes[n]
			return e.Info.ClusterID, ok
		})
		p.children("cluster", id, "volume", c.Info.Volumes, func(v string) (string, bool) {
			e, ok := d.Volumes[v]
			return e.Info.Cluster, ok
		})
		p.children("cluster", id, "block volume", c.Info.BlockVolumes, func(b string) (string, bool) {
			e, ok := d.BlockVolumes[b]
			return e.Info.Cluster, ok
		})
	}
	clusterLists := func(field func(api.ClusterInfoResponse) []string) func(string) ([]string, bool) {
		return func(id string) ([]string, bool) {
			c, ok := d.Clusters[id]
			return field(c.Info), ok
		}
	}
	for _, id := range sortedKeys(d.Nodes) {
		n := d.Nodes[id]
		p.key("node", id, n.Info.ID)
		p.parent("node", id, "cluster", n.Info.ClusterID, clusterLists(func(c api.ClusterInfoResponse) []string { return c.Nodes }))
		p.children("node", id, "device", n.Devices, func(dv string) (string, bool) {
			e, ok := d.Devices[dv]
			return e.NodeID, ok
		})
	}
	for _, id := range sortedKeys(d.Devices) {
		dev := d.Devices[id]
		p.key("device", id, dev.Info.ID)
		p.parent("device", id, "node", dev.NodeID, func(n string) ([]string, bool) {
			e, ok := d.Nodes[n]
			return e.Devices, ok
		})
		p.children("device", id, "brick", dev.Bricks, func(b string) (string, bool) {
			e, ok := d.Bricks[b]
			return e.Info.DeviceID, ok
		})
	}
	for _, id := range sortedKeys(d.Volumes) {
		v := d.Volumes[id]
		p.key("volume", id, v.Info.ID)
		if !knownDurability(v.Info.Durability.Type) {
			p.add("Not a known volume durability type: %s", v.Info.Durability.Type)
		}
		p.parent("volume", id, "cluster", v.Info.Cluster, clusterLists(func(c api.ClusterInfoResponse) []string { return c.Volumes }))
		p.children("volume", id, "brick", v.Bricks, func(b string) (string, bool) {
			e, ok := d.Bricks[b]
			return e.Info.VolumeID, ok
		})
		p.children("volume", id, "block volume", v.Info.BlockInfo.BlockVolumes, func(b string) (string, bool) {
			e, ok := d.BlockVolumes[b]
			return e.Info.BlockHostingVolume, ok
		})
	}
	for _, id := range sortedKeys(d.Bricks) {
		b := d.Bricks[id]
		p.key("brick", id, b.Info.ID)
		p.parent("brick", id, "device", b.Info.DeviceID, func(dv string) ([]string, bool) {
			e, ok := d.Devices[dv]
			return e.Bricks, ok
		})
		p.parent("brick", id, "volume", b.Info.VolumeID, func(v string) ([]string, bool) {
			e, ok := d.Volumes[v]
			return e.Bricks, ok
		})
		if dev, ok := d.Devices[b.Info.DeviceID]; ok && b.Info.NodeID != dev.NodeID {
			p.add("brick %s is on node %s, but its device %s is on node %s", id, b.Info.NodeID, b.Info.DeviceID, dev.NodeID)
		}
	}
	for _, id := range sortedKeys(d.BlockVolumes) {
		bv := d.BlockVolumes[id]
		p.key("block volume", id, bv.Info.ID)
		p.parent("block volume", id, "cluster", bv.Info.Cluster, clusterLists(func(c api.ClusterInfoResponse) []string { return c.BlockVolumes }))
		if h := bv.Info.BlockHostingVolume; h != "" {
			if v, ok := d.Volumes[h]; !ok {
				p.add("block volume %s refers to volume %s, which is not in the dump", id, h)
			} else if len(v.Info.BlockInfo.BlockVolumes) > 0 && !slices.Contains(v.Info.BlockInfo.BlockVolumes, id) {
				p.add("block volume %s refers to volume %s, which does not list it", id, h)
			}
		}
	}
	for _, id := range sortedKeys(d.PendingOps) {
		p.key("pending operation", id, d.PendingOps[id].ID)
	}
	for _, k := range sortedKeys(d.DBAttributes) {
		a := d.DBAttributes[k]
		switch {
		case a.Key != k:
			p.add("attribute key %s holds attribute %s", k, a.Key)
		case k != AttrGenerationID && !slices.Contains(markerAttrs, k):
			p.add("unknown database attribute %s (a dump from a newer heketi?)", k)
		}
	}
	return p
}

// problems collects validation messages.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// key checks that an entry is stored under its own id.
func (p *problems) key(kind, key, id string) {
	switch {
	case key == "":
		p.add("%s with an empty id", kind)
	case id != key:
		p.add("%s key %s holds %s %q", kind, key, kind, id)
	}
}

// children checks that each child a parent lists exists and names the parent
// back.
func (p *problems) children(kind, id, childKind string, listed []string, parentOf func(string) (string, bool)) {
	for _, c := range listed {
		back, ok := parentOf(c)
		switch {
		case !ok:
			p.add("%s %s lists %s %s, which is not in the dump", kind, id, childKind, c)
		case back != id:
			p.add("%s %s lists %s %s, but that %s belongs to %s %q", kind, id, childKind, c, childKind, kind, back)
		}
	}
}

// parent checks that an entry's parent exists and lists it. An empty parent
// id is allowed.
func (p *problems) parent(kind, id, parentKind, parentID string, listOf func(string) ([]string, bool)) {
	if parentID == "" {
		return
	}
	list, ok := listOf(parentID)
	switch {
	case !ok:
		p.add("%s %s refers to %s %s, which is not in the dump", kind, id, parentKind, parentID)
	case !slices.Contains(list, id):
		p.add("%s %s refers to %s %s, which does not list it", kind, id, parentKind, parentID)
	}
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeRecords puts every entry of a validated dump, parents first.
func writeRecords(d *Dump, w db.Writer) error {
	for _, id := range sortedKeys(d.Clusters) {
		c := d.Clusters[id].Info
		if err := w.PutCluster(&db.Cluster{ID: id, Block: c.Block, File: c.File}); err != nil {
			return fmt.Errorf("cluster %s: %w", id, err)
		}
	}
	for _, id := range sortedKeys(d.Volumes) {
		e := d.Volumes[id]
		info := e.Info
		opts := e.GlusterVolumeOptions
		if opts == nil {
			opts = info.GlusterVolumeOptions
		}
		blockInfo := info.BlockInfo
		blockInfo.BlockVolumes = nil // derived from the block volumes' records
		v := &db.Volume{
			ID:          id,
			ClusterID:   info.Cluster,
			Name:        info.Name,
			SizeGiB:     info.Size,
			Durability:  info.Durability,
			Gid:         info.Gid,
			Options:     opts,
			Block:       info.Block,
			Snapshot:    info.Snapshot,
			BlockInfo:   blockInfo,
			PendingOpID: e.Pending.ID,
		}
		if err := w.PutVolume(v); err != nil {
			return fmt.Errorf("volume %s: %w", id, err)
		}
	}
	for _, id := range sortedKeys(d.Nodes) {
		e := d.Nodes[id]
		n := &db.Node{
			ID:               id,
			ClusterID:        e.Info.ClusterID,
			Zone:             e.Info.Zone,
			ManageHostnames:  e.Info.Hostnames.Manage,
			StorageHostnames: e.Info.Hostnames.Storage,
			Tags:             e.Info.Tags,
			State:            e.State,
			PendingOpID:      opOf(e.Pending),
		}
		if err := w.PutNode(n); err != nil {
			return fmt.Errorf("node %s: %w", id, err)
		}
	}
	for _, id := range sortedKeys(d.Devices) {
		e := d.Devices[id]
		dev := &db.Device{
			ID:            id,
			NodeID:        e.NodeID,
			Name:          e.Info.Name,
			Tags:          e.Info.Tags,
			State:         e.State,
			TotalKiB:      e.Info.Storage.Total,
			FreeKiB:       e.Info.Storage.Free,
			UsedKiB:       e.Info.Storage.Used,
			ExtentSizeKiB: e.ExtentSize,
			Paths:         e.Info.Paths,
			PVUUID:        e.Info.PVUUID,
			PendingOpID:   opOf(e.Pending),
		}
		if err := w.PutDevice(dev); err != nil {
			return fmt.Errorf("device %s: %w", id, err)
		}
	}
	for _, id := range sortedKeys(d.Bricks) {
		e := d.Bricks[id]
		b := &db.Brick{
			ID:                  id,
			VolumeID:            e.Info.VolumeID,
			DeviceID:            e.Info.DeviceID,
			NodeID:              e.Info.NodeID,
			Path:                e.Info.Path,
			SizeKiB:             e.Info.Size,
			TpSizeKiB:           e.TpSize,
			PoolMetadataSizeKiB: e.PoolMetadataSize,
			ThinPool:            e.LvmThinPool,
			LV:                  e.LvmLv,
			SubType:             e.SubType,
			PendingOpID:         e.Pending.ID,
		}
		if err := w.PutBrick(b); err != nil {
			return fmt.Errorf("brick %s: %w", id, err)
		}
	}
	for _, id := range sortedKeys(d.BlockVolumes) {
		e := d.BlockVolumes[id]
		bv := &db.BlockVolume{
			ID:                 id,
			ClusterID:          e.Info.Cluster,
			BlockHostingVolume: e.Info.BlockHostingVolume,
			Name:               e.Info.Name,
			SizeGiB:            e.Info.Size,
			UsableSizeGiB:      e.Info.UsableSize,
			HACount:            e.Info.Hacount,
			Auth:               e.Info.Auth,
			Hosts:              e.Info.BlockVolume.Hosts,
			IQN:                e.Info.BlockVolume.Iqn,
			LUN:                e.Info.BlockVolume.Lun,
			Username:           e.Info.BlockVolume.Username,
			Password:           e.Info.BlockVolume.Password,
			PendingOpID:        e.Pending.ID,
		}
		if err := w.PutBlockVolume(bv); err != nil {
			return fmt.Errorf("block volume %s: %w", id, err)
		}
	}
	for _, id := range sortedKeys(d.PendingOps) {
		e := d.PendingOps[id]
		op := &db.PendingOp{
			ID:        id,
			Type:      db.OpType(e.Type),
			Timestamp: e.Timestamp,
			Status:    e.Status,
			Actions:   make([]db.PendingAction, 0, len(e.Actions)),
			Phase:     e.Phase,
			Error:     e.Error,
		}
		for _, a := range e.Actions {
			op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeType(a.Change), ID: a.ID, Delta: a.Delta})
		}
		for _, s := range e.Steps {
			op.Steps = append(op.Steps, db.OpStep{Name: s.Name, Host: s.Host, Started: s.Started, Done: s.Done})
		}
		if err := w.PutPendingOp(op); err != nil {
			return fmt.Errorf("pending operation %s: %w", id, err)
		}
	}
	return nil
}

func opOf(p *PendingItem) string {
	if p == nil {
		return ""
	}
	return p.ID
}
