package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/internal/errs"
	bolt "go.etcd.io/bbolt"
)

// openTest opens a new store in t's temporary directory and closes it at the
// end of the test.
func openTest(t testing.TB) *BoltStore {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "basalt.db"), Options{})
	if err != nil {
		t.Fatalf("Open: expected no error, got %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// update runs fn in an Update and fails the test on error.
func update(t testing.TB, s Store, fn func(w Writer) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatalf("Update: expected no error, got %v", err)
	}
}

// Record constructors with every field that matters for indexes set.

func cluster(id string) *Cluster { return &Cluster{ID: id, Block: true, File: true} }

func node(id, clusterID, manage, storage string) *Node {
	return &Node{ID: id, ClusterID: clusterID, Zone: 1, ManageHostnames: []string{manage},
		StorageHostnames: []string{storage}, State: api.EntryStateOnline, Tags: map[string]string{"rack": "r1"}}
}

func device(id, nodeID string) *Device {
	return &Device{ID: id, NodeID: nodeID, Name: "/dev/" + id, State: api.EntryStateOnline,
		TotalKiB: 1 << 20, FreeKiB: 1 << 20, ExtentSizeKiB: 4096}
}

func volume(id, clusterID, name string) *Volume {
	return &Volume{ID: id, ClusterID: clusterID, Name: name, SizeGiB: 1,
		Durability: api.VolumeDurabilityInfo{Type: "replicate"}, Options: []string{"a b"}}
}

func brick(id, volumeID, deviceID, nodeID string) *Brick {
	return &Brick{ID: id, VolumeID: volumeID, DeviceID: deviceID, NodeID: nodeID,
		Path: "/b/" + id, SizeKiB: 1024, TpSizeKiB: 1024, SubType: BrickSubTypeNormal}
}

func blockVolume(id, clusterID, hostVolumeID string) *BlockVolume {
	return &BlockVolume{ID: id, ClusterID: clusterID, BlockHostingVolume: hostVolumeID, Name: "bv" + id, SizeGiB: 1}
}

// topology puts a small complete tree: clusters c1, c10 (a prefix-sharing id),
// nodes n1 (c1), n2 (c1), n3 (c10), devices d1 (n1), d2 (n2), d3 (n3),
// volumes v1 "alpha" and v2 "beta" in c1, v3 "alpha" in c10, bricks b1
// (v1/d1), b2 (v1/d2), b3 (v2/d1), b4 (v3/d3), block volume bv1 on v2 and a
// pending op.
func topology(w Writer) error {
	steps := []func() error{
		func() error { return w.PutCluster(cluster("c1")) },
		func() error { return w.PutCluster(cluster("c10")) },
		func() error { return w.PutNode(node("n1", "c1", "m1", "s1")) },
		func() error { return w.PutNode(node("n2", "c1", "m2", "s2")) },
		func() error { return w.PutNode(node("n3", "c10", "m3", "s3")) },
		func() error { return w.PutDevice(device("d1", "n1")) },
		func() error { return w.PutDevice(device("d2", "n2")) },
		func() error { return w.PutDevice(device("d3", "n3")) },
		func() error { return w.PutVolume(volume("v1", "c1", "alpha")) },
		func() error { return w.PutVolume(volume("v2", "c1", "beta")) },
		func() error { return w.PutVolume(volume("v3", "c10", "alpha")) },
		func() error { return w.PutBrick(brick("b1", "v1", "d1", "n1")) },
		func() error { return w.PutBrick(brick("b2", "v1", "d2", "n2")) },
		func() error { return w.PutBrick(brick("b3", "v2", "d1", "n1")) },
		func() error { return w.PutBrick(brick("b4", "v3", "d3", "n3")) },
		func() error { return w.PutBlockVolume(blockVolume("bv1", "c1", "v2")) },
		func() error {
			return w.PutPendingOp(&PendingOp{ID: "op1", Type: OpCreateVolume, Timestamp: 7,
				Actions: []PendingAction{{Change: ChangeAddVolume, ID: "v1"}}})
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("topology step %d: %w", i, err)
		}
	}
	return nil
}

// snapshot is every record and meta attribute of a store, read through the
// Reader, for comparing two stores or one store at two times.
type snapshot struct {
	Clusters     map[string]*Cluster
	Nodes        map[string]*Node
	Devices      map[string]*Device
	Volumes      map[string]*Volume
	Bricks       map[string]*Brick
	BlockVolumes map[string]*BlockVolume
	PendingOps   map[string]*PendingOp
	Children     map[string][]string
	Meta         map[string]string
}

func readAll[T any](list func() ([]string, error), get func(string) (*T, error)) (map[string]*T, error) {
	ids, err := list()
	if err != nil {
		return nil, err
	}
	m := make(map[string]*T, len(ids))
	for _, id := range ids {
		v, err := get(id)
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", id, err)
		}
		m[id] = v
	}
	return m, nil
}

func takeSnapshot(t testing.TB, s Store) *snapshot {
	t.Helper()
	var snap snapshot
	err := s.View(func(r Reader) (err error) {
		if snap.Clusters, err = readAll(r.ClusterIDs, r.Cluster); err != nil {
			return err
		}
		if snap.Nodes, err = readAll(r.NodeIDs, r.Node); err != nil {
			return err
		}
		if snap.Devices, err = readAll(r.DeviceIDs, r.Device); err != nil {
			return err
		}
		if snap.Volumes, err = readAll(r.VolumeIDs, r.Volume); err != nil {
			return err
		}
		if snap.Bricks, err = readAll(r.BrickIDs, r.Brick); err != nil {
			return err
		}
		if snap.BlockVolumes, err = readAll(r.BlockVolumeIDs, r.BlockVolume); err != nil {
			return err
		}
		if snap.PendingOps, err = readAll(r.PendingOpIDs, r.PendingOp); err != nil {
			return err
		}
		snap.Children = map[string][]string{}
		var listErr error
		add := func(name string, list func(string) ([]string, error), id string) {
			ids, err := list(id)
			if err != nil {
				listErr = err
			}
			if len(ids) > 0 {
				snap.Children[name+" "+id] = ids
			}
		}
		for id := range snap.Clusters {
			add("cluster-nodes", r.ClusterNodeIDs, id)
			add("cluster-volumes", r.ClusterVolumeIDs, id)
			add("cluster-blockvolumes", r.ClusterBlockVolumeIDs, id)
		}
		for id := range snap.Nodes {
			add("node-devices", r.NodeDeviceIDs, id)
		}
		for id := range snap.Devices {
			add("device-bricks", r.DeviceBrickIDs, id)
		}
		for id := range snap.Volumes {
			add("volume-bricks", r.VolumeBrickIDs, id)
			add("volume-blockvolumes", r.VolumeBlockVolumeIDs, id)
		}
		if listErr != nil {
			return listErr
		}
		snap.Meta = map[string]string{}
		for _, k := range []string{MetaSchemaVersion, MetaGenerationID, MetaCreatedAt, "app"} {
			v, err := r.Meta(k)
			if err != nil {
				return err
			}
			snap.Meta[k] = v
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: expected no error, got %v", err)
	}
	return &snap
}

// checkIndexes cross-checks every index and registration bucket against a
// full scan of the records: each bucket must hold exactly the entries the
// records imply, every parent a record names must exist, and every *IDs
// method must return sorted, non-nil ids. It reads the raw buckets, so it
// also catches entries the typed API would never show.
func checkIndexes(t testing.TB, s *BoltStore) {
	t.Helper()
	want := map[bucketID]map[string]string{}
	for _, id := range []bucketID{bClusterNodes, bClusterVolumes, bClusterBlockVolumes, bNodeDevices,
		bDeviceBricks, bVolumeBricks, bVolumeBlockVolumes, bManageHostnames, bStorageHostnames, bVolumeNames} {
		want[id] = map[string]string{}
	}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	link := func(idx bucketID, parent, child string) {
		if parent != "" {
			want[idx][parent+"\x00"+child] = ""
		}
	}
	register := func(reg bucketID, key, id string) {
		if prev, ok := want[reg][key]; ok && prev != id {
			fail("%s: key %q claimed by both %s and %s", bucketNames[reg], key, prev, id)
		}
		want[reg][key] = id
	}
	err := s.bdb.View(func(tx *bolt.Tx) error {
		records := map[bucketID]map[string]bool{}
		scan := func(kind bucketID, fn func(id string, data []byte) error) error {
			records[kind] = map[string]bool{}
			return tx.Bucket(bucketNames[kind]).ForEach(func(k, v []byte) error {
				records[kind][string(k)] = true
				return fn(string(k), v)
			})
		}
		type parentRef struct {
			kind       bucketID
			child, id  string
			parentKind bucketID
		}
		var refs []parentRef
		ref := func(kind bucketID, child string, parentKind bucketID, parent string) {
			if parent != "" {
				refs = append(refs, parentRef{kind, child, parent, parentKind})
			}
		}
		scans := []struct {
			kind bucketID
			fn   func(id string, data []byte) error
		}{
			{bClusters, func(id string, data []byte) error { return json.Unmarshal(data, new(Cluster)) }},
			{bPendingOps, func(id string, data []byte) error { return json.Unmarshal(data, new(PendingOp)) }},
			{bNodes, func(id string, data []byte) error {
				var n Node
				if err := json.Unmarshal(data, &n); err != nil {
					return err
				}
				link(bClusterNodes, n.ClusterID, id)
				ref(bNodes, id, bClusters, n.ClusterID)
				for _, h := range n.ManageHostnames {
					register(bManageHostnames, h, id)
				}
				for _, h := range n.StorageHostnames {
					register(bStorageHostnames, h, id)
				}
				return nil
			}},
			{bDevices, func(id string, data []byte) error {
				var d Device
				if err := json.Unmarshal(data, &d); err != nil {
					return err
				}
				link(bNodeDevices, d.NodeID, id)
				ref(bDevices, id, bNodes, d.NodeID)
				return nil
			}},
			{bVolumes, func(id string, data []byte) error {
				var v Volume
				if err := json.Unmarshal(data, &v); err != nil {
					return err
				}
				link(bClusterVolumes, v.ClusterID, id)
				ref(bVolumes, id, bClusters, v.ClusterID)
				if v.ClusterID != "" && v.Name != "" {
					register(bVolumeNames, v.ClusterID+"\x00"+v.Name, id)
				}
				return nil
			}},
			{bBricks, func(id string, data []byte) error {
				var b Brick
				if err := json.Unmarshal(data, &b); err != nil {
					return err
				}
				link(bDeviceBricks, b.DeviceID, id)
				link(bVolumeBricks, b.VolumeID, id)
				ref(bBricks, id, bDevices, b.DeviceID)
				ref(bBricks, id, bVolumes, b.VolumeID)
				return nil
			}},
			{bBlockVolumes, func(id string, data []byte) error {
				var bv BlockVolume
				if err := json.Unmarshal(data, &bv); err != nil {
					return err
				}
				link(bClusterBlockVolumes, bv.ClusterID, id)
				link(bVolumeBlockVolumes, bv.BlockHostingVolume, id)
				ref(bBlockVolumes, id, bClusters, bv.ClusterID)
				ref(bBlockVolumes, id, bVolumes, bv.BlockHostingVolume)
				return nil
			}},
		}
		for _, sc := range scans {
			if err := scan(sc.kind, sc.fn); err != nil {
				return fmt.Errorf("scan %s: %w", bucketNames[sc.kind], err)
			}
		}
		for _, r := range refs {
			if !records[r.parentKind][r.id] {
				fail("%s %s: parent %s %s does not exist (orphan)", kindNames[r.kind], r.child, kindNames[r.parentKind], r.id)
			}
		}
		for idx, entries := range want {
			got := map[string]string{}
			_ = tx.Bucket(bucketNames[idx]).ForEach(func(k, v []byte) error {
				got[string(k)] = string(v)
				return nil
			})
			for k, v := range entries {
				if g, ok := got[k]; !ok {
					fail("%s: expected key %q -> %q, missing", bucketNames[idx], k, v)
				} else if g != v {
					fail("%s: key %q expected value %q, got %q", bucketNames[idx], k, v, g)
				}
			}
			for k, v := range got {
				if _, ok := entries[k]; !ok {
					fail("%s: unexpected stale key %q -> %q", bucketNames[idx], k, v)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("checkIndexes: expected no error, got %v", err)
	}
	// The typed listings must agree with the raw buckets and be sorted,
	// non-nil slices.
	err = s.View(func(r Reader) error {
		lists := map[string]func() ([]string, error){
			"ClusterIDs": r.ClusterIDs, "NodeIDs": r.NodeIDs, "DeviceIDs": r.DeviceIDs, "VolumeIDs": r.VolumeIDs,
			"BrickIDs": r.BrickIDs, "BlockVolumeIDs": r.BlockVolumeIDs, "PendingOpIDs": r.PendingOpIDs,
		}
		for name, f := range lists {
			ids, err := f()
			if err != nil {
				return err
			}
			if ids == nil || !sort.StringsAreSorted(ids) {
				fail("%s: expected a sorted non-nil slice, got %#v", name, ids)
			}
		}
		children := map[bucketID]func(string) ([]string, error){
			bClusterNodes: r.ClusterNodeIDs, bClusterVolumes: r.ClusterVolumeIDs, bClusterBlockVolumes: r.ClusterBlockVolumeIDs,
			bNodeDevices: r.NodeDeviceIDs, bDeviceBricks: r.DeviceBrickIDs, bVolumeBricks: r.VolumeBrickIDs,
			bVolumeBlockVolumes: r.VolumeBlockVolumeIDs,
		}
		for idx, list := range children {
			byParent := map[string][]string{}
			for k := range want[idx] {
				p, c, _ := strings.Cut(k, "\x00")
				byParent[p] = append(byParent[p], c)
			}
			for p, exp := range byParent {
				sort.Strings(exp)
				got, err := list(p)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, exp) {
					fail("%s of %s: expected %v, got %v", bucketNames[idx], p, exp, got)
				}
			}
		}
		for k, id := range want[bManageHostnames] {
			if got, _ := r.NodeIDByManageHostname(k); got != id {
				fail("NodeIDByManageHostname(%q): expected %q, got %q", k, id, got)
			}
		}
		for k, id := range want[bStorageHostnames] {
			if got, _ := r.NodeIDByStorageHostname(k); got != id {
				fail("NodeIDByStorageHostname(%q): expected %q, got %q", k, id, got)
			}
		}
		for k, id := range want[bVolumeNames] {
			c, n, _ := strings.Cut(k, "\x00")
			if got, _ := r.VolumeIDByName(c, n); got != id {
				fail("VolumeIDByName(%q, %q): expected %q, got %q", c, n, id, got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("checkIndexes: expected no error, got %v", err)
	}
	for _, p := range problems {
		t.Error("index check: " + p)
	}
}

// wantKind fails t unless err is of kind k (and, if text is not empty,
// contains text).
func wantKind(t testing.TB, what string, err error, k errs.Kind, text string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: expected a %v error, got nil", what, k)
	case errs.KindOf(err) != k:
		t.Errorf("%s: expected a %v error, got %v (%v)", what, k, errs.KindOf(err), err)
	case text != "" && !strings.Contains(err.Error(), text):
		t.Errorf("%s: expected an error containing %q, got %q", what, text, err)
	}
}

// rawGet reads one raw key, for tests that look under the typed API.
func rawGet(t testing.TB, s *BoltStore, bucket string, key []byte) []byte {
	t.Helper()
	var v []byte
	if err := s.bdb.View(func(tx *bolt.Tx) error {
		v = bytes.Clone(tx.Bucket([]byte(bucket)).Get(key))
		return nil
	}); err != nil {
		t.Fatalf("raw get: %v", err)
	}
	return v
}
