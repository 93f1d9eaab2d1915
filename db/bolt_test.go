package db

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/internal/errs"
	bolt "go.etcd.io/bbolt"
)

func TestSchemaVersionMatchesMigrations(t *testing.T) {
	v, err := checkMigrations(migrations)
	if err != nil {
		t.Fatalf("checkMigrations: expected no error, got %v", err)
	}
	if v != SchemaVersion {
		t.Errorf("last migration version: expected SchemaVersion %d, got %d", SchemaVersion, v)
	}
}

// TestCRUD puts, reads, replaces and deletes one record of every kind.
func TestCRUD(t *testing.T) {
	tests := []struct {
		name   string
		parent func(w Writer) error // parents the record needs
		put    func(w Writer) error
		change func(w Writer) error // replaces the record with a changed copy
		get    func(r Reader) (any, error)
		ids    func(r Reader) ([]string, error)
		del    func(w Writer, id string) error
		want   any
		want2  any
	}{
		{
			name:   "cluster",
			parent: func(w Writer) error { return nil },
			put:    func(w Writer) error { return w.PutCluster(cluster("c1")) },
			change: func(w Writer) error { return w.PutCluster(&Cluster{ID: "c1", File: true}) },
			get:    func(r Reader) (any, error) { return r.Cluster("c1") },
			ids:    Reader.ClusterIDs,
			del:    Writer.DeleteCluster,
			want:   cluster("c1"),
			want2:  &Cluster{ID: "c1", File: true},
		},
		{
			name:   "node",
			parent: func(w Writer) error { return w.PutCluster(cluster("c1")) },
			put:    func(w Writer) error { return w.PutNode(node("n1", "c1", "m1", "s1")) },
			change: func(w Writer) error {
				n := node("n1", "c1", "m1", "s1")
				n.State, n.Zone = api.EntryStateOffline, 3
				return w.PutNode(n)
			},
			get:  func(r Reader) (any, error) { return r.Node("n1") },
			ids:  Reader.NodeIDs,
			del:  Writer.DeleteNode,
			want: node("n1", "c1", "m1", "s1"),
			want2: func() *Node {
				n := node("n1", "c1", "m1", "s1")
				n.State, n.Zone = api.EntryStateOffline, 3
				return n
			}(),
		},
		{
			name: "device",
			parent: func(w Writer) error {
				if err := w.PutCluster(cluster("c1")); err != nil {
					return err
				}
				return w.PutNode(node("n1", "c1", "m1", "s1"))
			},
			put: func(w Writer) error { return w.PutDevice(device("d1", "n1")) },
			change: func(w Writer) error {
				d := device("d1", "n1")
				d.FreeKiB, d.UsedKiB, d.PendingOpID = 10, 20, "op"
				return w.PutDevice(d)
			},
			get:  func(r Reader) (any, error) { return r.Device("d1") },
			ids:  Reader.DeviceIDs,
			del:  Writer.DeleteDevice,
			want: device("d1", "n1"),
			want2: func() *Device {
				d := device("d1", "n1")
				d.FreeKiB, d.UsedKiB, d.PendingOpID = 10, 20, "op"
				return d
			}(),
		},
		{
			name:   "volume",
			parent: func(w Writer) error { return w.PutCluster(cluster("c1")) },
			put:    func(w Writer) error { return w.PutVolume(volume("v1", "c1", "alpha")) },
			change: func(w Writer) error {
				v := volume("v1", "c1", "alpha")
				v.SizeGiB, v.Gid = 5, 2000
				return w.PutVolume(v)
			},
			get:  func(r Reader) (any, error) { return r.Volume("v1") },
			ids:  Reader.VolumeIDs,
			del:  Writer.DeleteVolume,
			want: volume("v1", "c1", "alpha"),
			want2: func() *Volume {
				v := volume("v1", "c1", "alpha")
				v.SizeGiB, v.Gid = 5, 2000
				return v
			}(),
		},
		{
			name: "brick",
			parent: func(w Writer) error {
				for _, err := range []error{w.PutCluster(cluster("c1")), w.PutNode(node("n1", "c1", "m1", "s1")),
					w.PutDevice(device("d1", "n1")), w.PutVolume(volume("v1", "c1", "alpha"))} {
					if err != nil {
						return err
					}
				}
				return nil
			},
			put: func(w Writer) error { return w.PutBrick(brick("b1", "v1", "d1", "n1")) },
			change: func(w Writer) error {
				b := brick("b1", "v1", "d1", "n1")
				b.LV, b.ThinPool = "brick_b1", "tp_b1"
				return w.PutBrick(b)
			},
			get:  func(r Reader) (any, error) { return r.Brick("b1") },
			ids:  Reader.BrickIDs,
			del:  Writer.DeleteBrick,
			want: brick("b1", "v1", "d1", "n1"),
			want2: func() *Brick {
				b := brick("b1", "v1", "d1", "n1")
				b.LV, b.ThinPool = "brick_b1", "tp_b1"
				return b
			}(),
		},
		{
			name: "block volume",
			parent: func(w Writer) error {
				if err := w.PutCluster(cluster("c1")); err != nil {
					return err
				}
				return w.PutVolume(volume("v1", "c1", "alpha"))
			},
			put: func(w Writer) error { return w.PutBlockVolume(blockVolume("bv1", "c1", "v1")) },
			change: func(w Writer) error {
				bv := blockVolume("bv1", "c1", "v1")
				bv.Hosts, bv.IQN = []string{"s1"}, "iqn.x"
				return w.PutBlockVolume(bv)
			},
			get:  func(r Reader) (any, error) { return r.BlockVolume("bv1") },
			ids:  Reader.BlockVolumeIDs,
			del:  Writer.DeleteBlockVolume,
			want: blockVolume("bv1", "c1", "v1"),
			want2: func() *BlockVolume {
				bv := blockVolume("bv1", "c1", "v1")
				bv.Hosts, bv.IQN = []string{"s1"}, "iqn.x"
				return bv
			}(),
		},
		{
			name:   "pending op",
			parent: func(w Writer) error { return nil },
			put: func(w Writer) error {
				return w.PutPendingOp(&PendingOp{ID: "op1", Type: OpCreateVolume, Timestamp: 1,
					Actions: []PendingAction{{Change: ChangeAddVolume, ID: "v1"}}})
			},
			change: func(w Writer) error {
				return w.PutPendingOp(&PendingOp{ID: "op1", Type: OpCreateVolume, Timestamp: 1, Phase: "exec",
					Actions: []PendingAction{{Change: ChangeAddVolume, ID: "v1"}},
					Steps:   []OpStep{{Name: "lvcreate", Host: "m1", Started: true}}})
			},
			get: func(r Reader) (any, error) { return r.PendingOp("op1") },
			ids: Reader.PendingOpIDs,
			del: Writer.DeletePendingOp,
			want: &PendingOp{ID: "op1", Type: OpCreateVolume, Timestamp: 1,
				Actions: []PendingAction{{Change: ChangeAddVolume, ID: "v1"}}},
			want2: &PendingOp{ID: "op1", Type: OpCreateVolume, Timestamp: 1, Phase: "exec",
				Actions: []PendingAction{{Change: ChangeAddVolume, ID: "v1"}},
				Steps:   []OpStep{{Name: "lvcreate", Host: "m1", Started: true}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			id := reflect.ValueOf(tt.want).Elem().FieldByName("ID").String()
			check := func(stage string, want any) {
				t.Helper()
				_ = s.View(func(r Reader) error {
					got, err := tt.get(r)
					if err != nil {
						t.Fatalf("%s: get: expected no error, got %v", stage, err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s: expected %+v, got %+v", stage, want, got)
					}
					ids, _ := tt.ids(r)
					if !reflect.DeepEqual(ids, []string{id}) {
						t.Errorf("%s: ids: expected [%s], got %v", stage, id, ids)
					}
					return nil
				})
			}
			update(t, s, tt.parent)
			_ = s.View(func(r Reader) error {
				_, err := tt.get(r)
				wantKind(t, "get before put", err, errs.NotFound, errs.TextNotFound)
				return nil
			})
			update(t, s, tt.put)
			check("after put", tt.want)
			update(t, s, tt.change)
			check("after replace", tt.want2)
			checkIndexes(t, s)

			update(t, s, func(w Writer) error { return tt.del(w, id) })
			_ = s.View(func(r Reader) error {
				got, err := tt.get(r)
				wantKind(t, "get after delete", err, errs.NotFound, errs.TextNotFound)
				if err != nil && err.Error() != errs.TextNotFound {
					t.Errorf("get after delete: expected text %q, got %q", errs.TextNotFound, err)
				}
				if !reflect.ValueOf(got).IsNil() {
					t.Errorf("get after delete: expected a nil record, got %+v", got)
				}
				ids, _ := tt.ids(r)
				if ids == nil || len(ids) != 0 {
					t.Errorf("ids after delete: expected an empty non-nil slice, got %#v", ids)
				}
				return nil
			})
			err := s.Update(func(w Writer) error { return tt.del(w, id) })
			wantKind(t, "second delete", err, errs.NotFound, errs.TextNotFound)
			checkIndexes(t, s)
		})
	}
}

func TestPutInvalid(t *testing.T) {
	s := openTest(t)
	tests := []struct {
		name string
		put  func(w Writer) error
	}{
		{"nil cluster", func(w Writer) error { return w.PutCluster(nil) }},
		{"nil node", func(w Writer) error { return w.PutNode(nil) }},
		{"nil device", func(w Writer) error { return w.PutDevice(nil) }},
		{"nil volume", func(w Writer) error { return w.PutVolume(nil) }},
		{"nil brick", func(w Writer) error { return w.PutBrick(nil) }},
		{"nil block volume", func(w Writer) error { return w.PutBlockVolume(nil) }},
		{"nil pending op", func(w Writer) error { return w.PutPendingOp(nil) }},
		{"empty id", func(w Writer) error { return w.PutCluster(&Cluster{}) }},
		{"NUL in id", func(w Writer) error { return w.PutCluster(&Cluster{ID: "a\x00b"}) }},
		{"schema version meta", func(w Writer) error { return w.SetMeta(MetaSchemaVersion, "9") }},
		{"empty meta key", func(w Writer) error { return w.SetMeta("", "x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(tt.put)
			wantKind(t, tt.name, err, errs.Invalid, "")
		})
	}
	if got := string(rawGet(t, s, bucketMeta, []byte(MetaSchemaVersion))); got != curVer {
		t.Errorf("schema version after refused SetMeta: expected %q, got %q", curVer, got)
	}
}

func TestPutMissingParent(t *testing.T) {
	tests := []struct {
		name string
		put  func(w Writer) error
	}{
		{"node in missing cluster", func(w Writer) error { return w.PutNode(node("nx", "cx", "mx", "sx")) }},
		{"device on missing node", func(w Writer) error { return w.PutDevice(device("dx", "nx")) }},
		{"volume in missing cluster", func(w Writer) error { return w.PutVolume(volume("vx", "cx", "x")) }},
		{"brick on missing device", func(w Writer) error { return w.PutBrick(brick("bx", "v1", "dx", "n1")) }},
		{"brick of missing volume", func(w Writer) error { return w.PutBrick(brick("bx", "vx", "d1", "n1")) }},
		{"block volume in missing cluster", func(w Writer) error { return w.PutBlockVolume(blockVolume("bx", "cx", "v1")) }},
		{"block volume on missing volume", func(w Writer) error { return w.PutBlockVolume(blockVolume("bx", "c1", "vx")) }},
		{"existing node moved to missing cluster", func(w Writer) error { return w.PutNode(node("n1", "cx", "m1", "s1")) }},
		{"existing brick moved to missing device", func(w Writer) error { return w.PutBrick(brick("b1", "v1", "dx", "n1")) }},
	}
	s := openTest(t)
	update(t, s, topology)
	before := takeSnapshot(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(tt.put)
			wantKind(t, tt.name, err, errs.NotFound, "does not exist")
		})
	}
	if after := takeSnapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("refused puts changed the store: expected %+v, got %+v", before, after)
	}
	checkIndexes(t, s)
	// An empty parent id is allowed and indexed nowhere.
	update(t, s, func(w Writer) error { return w.PutBrick(&Brick{ID: "loose"}) })
	checkIndexes(t, s)
}

func TestIDsSortedAndNonNil(t *testing.T) {
	s := openTest(t)
	_ = s.View(func(r Reader) error {
		for name, f := range map[string]func() ([]string, error){
			"ClusterIDs": r.ClusterIDs, "NodeIDs": r.NodeIDs, "VolumeIDs": r.VolumeIDs, "PendingOpIDs": r.PendingOpIDs,
			"ClusterNodeIDs(none)": func() ([]string, error) { return r.ClusterNodeIDs("none") },
			"VolumeBrickIDs(none)": func() ([]string, error) { return r.VolumeBrickIDs("none") },
		} {
			ids, err := f()
			if err != nil || ids == nil || len(ids) != 0 {
				t.Errorf("%s on an empty store: expected an empty non-nil slice, got %#v, %v", name, ids, err)
			}
		}
		return nil
	})
	update(t, s, func(w Writer) error {
		for _, id := range []string{"c2", "c10", "c1", "a", "c"} {
			if err := w.PutCluster(cluster(id)); err != nil {
				return err
			}
		}
		for _, id := range []string{"v3", "v1", "v20", "v2"} {
			if err := w.PutVolume(volume(id, "c1", "name-"+id)); err != nil {
				return err
			}
		}
		// Volumes of c10 and c must not leak into c1's listing.
		if err := w.PutVolume(volume("v0", "c10", "x")); err != nil {
			return err
		}
		return w.PutVolume(volume("v9", "c", "x"))
	})
	_ = s.View(func(r Reader) error {
		if got, want := must(r.ClusterIDs()), []string{"a", "c", "c1", "c10", "c2"}; !reflect.DeepEqual(got, want) {
			t.Errorf("ClusterIDs: expected %v, got %v", want, got)
		}
		if got, want := must(r.ClusterVolumeIDs("c1")), []string{"v1", "v2", "v20", "v3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("ClusterVolumeIDs(c1): expected %v, got %v", want, got)
		}
		if got, want := must(r.ClusterVolumeIDs("c")), []string{"v9"}; !reflect.DeepEqual(got, want) {
			t.Errorf("ClusterVolumeIDs(c): expected %v, got %v", want, got)
		}
		return nil
	})
	checkIndexes(t, s)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestRecordsAreCopies(t *testing.T) {
	s := openTest(t)
	in := cluster("c1")
	update(t, s, func(w Writer) error { return w.PutCluster(in) })
	in.Block = false // changing the caller's value after Put must not reach the store
	n := node("n1", "c1", "m1", "s1")
	update(t, s, func(w Writer) error { return w.PutNode(n) })
	n.Tags["rack"] = "changed"
	_ = s.View(func(r Reader) error {
		a, _ := r.Node("n1")
		a.Tags["rack"] = "mutated"
		a.ManageHostnames[0] = "mutated"
		b, _ := r.Node("n1")
		if b.Tags["rack"] != "r1" || b.ManageHostnames[0] != "m1" {
			t.Errorf("second read: expected tags rack=r1 and manage m1, got %v and %v", b.Tags, b.ManageHostnames)
		}
		c, _ := r.Cluster("c1")
		if !c.Block {
			t.Errorf("cluster: expected Block true as put, got false")
		}
		return nil
	})
}

// TestIndexScenarios changes parents, hostnames and names and deletes records,
// cross-checking every index after each scenario.
func TestIndexScenarios(t *testing.T) {
	tests := []struct {
		name  string
		apply func(w Writer) error
		check func(t *testing.T, r Reader)
	}{
		{
			name:  "node moves to another cluster",
			apply: func(w Writer) error { return w.PutNode(node("n2", "c10", "m2", "s2")) },
			check: func(t *testing.T, r Reader) {
				wantIDs(t, "c1 nodes", must(r.ClusterNodeIDs("c1")), "n1")
				wantIDs(t, "c10 nodes", must(r.ClusterNodeIDs("c10")), "n2", "n3")
			},
		},
		{
			name: "node changes hostnames and the old ones become free",
			apply: func(w Writer) error {
				n := node("n1", "c1", "m1new", "s1")
				n.ManageHostnames = append(n.ManageHostnames, "m1alt")
				n.StorageHostnames = []string{"s1new"}
				if err := w.PutNode(n); err != nil {
					return err
				}
				return w.PutNode(node("n4", "c1", "m1", "s1")) // reuses n1's old names
			},
			check: func(t *testing.T, r Reader) {
				wantString(t, "manage m1new", must(r.NodeIDByManageHostname("m1new")), "n1")
				wantString(t, "manage m1alt", must(r.NodeIDByManageHostname("m1alt")), "n1")
				wantString(t, "manage m1", must(r.NodeIDByManageHostname("m1")), "n4")
				wantString(t, "storage s1", must(r.NodeIDByStorageHostname("s1")), "n4")
				wantString(t, "storage s1new", must(r.NodeIDByStorageHostname("s1new")), "n1")
			},
		},
		{
			name: "node swaps manage and storage names with itself",
			apply: func(w Writer) error {
				return w.PutNode(node("n1", "c1", "s1", "m1"))
			},
			check: func(t *testing.T, r Reader) {
				wantString(t, "manage s1", must(r.NodeIDByManageHostname("s1")), "n1")
				wantString(t, "manage m1", must(r.NodeIDByManageHostname("m1")), "")
			},
		},
		{
			name:  "device moves to another node",
			apply: func(w Writer) error { return w.PutDevice(device("d1", "n3")) },
			check: func(t *testing.T, r Reader) {
				wantIDs(t, "n1 devices", must(r.NodeDeviceIDs("n1")))
				wantIDs(t, "n3 devices", must(r.NodeDeviceIDs("n3")), "d1", "d3")
			},
		},
		{
			name:  "brick moves to another device and volume",
			apply: func(w Writer) error { return w.PutBrick(brick("b1", "v2", "d2", "n2")) },
			check: func(t *testing.T, r Reader) {
				wantIDs(t, "d1 bricks", must(r.DeviceBrickIDs("d1")), "b3")
				wantIDs(t, "d2 bricks", must(r.DeviceBrickIDs("d2")), "b1", "b2")
				wantIDs(t, "v1 bricks", must(r.VolumeBrickIDs("v1")), "b2")
				wantIDs(t, "v2 bricks", must(r.VolumeBrickIDs("v2")), "b1", "b3")
			},
		},
		{
			name: "volume rename frees the old name",
			apply: func(w Writer) error {
				if err := w.PutVolume(volume("v1", "c1", "gamma")); err != nil {
					return err
				}
				return w.PutVolume(volume("v4", "c1", "alpha"))
			},
			check: func(t *testing.T, r Reader) {
				wantString(t, "c1/gamma", must(r.VolumeIDByName("c1", "gamma")), "v1")
				wantString(t, "c1/alpha", must(r.VolumeIDByName("c1", "alpha")), "v4")
				wantString(t, "c10/alpha", must(r.VolumeIDByName("c10", "alpha")), "v3")
			},
		},
		{
			name:  "volume moves to another cluster keeping its name",
			apply: func(w Writer) error { return w.PutVolume(volume("v2", "c10", "beta")) },
			check: func(t *testing.T, r Reader) {
				wantIDs(t, "c1 volumes", must(r.ClusterVolumeIDs("c1")), "v1")
				wantIDs(t, "c10 volumes", must(r.ClusterVolumeIDs("c10")), "v2", "v3")
				wantString(t, "c1/beta", must(r.VolumeIDByName("c1", "beta")), "")
				wantString(t, "c10/beta", must(r.VolumeIDByName("c10", "beta")), "v2")
			},
		},
		{
			name:  "volume loses its name",
			apply: func(w Writer) error { return w.PutVolume(volume("v2", "c1", "")) },
			check: func(t *testing.T, r Reader) {
				wantString(t, "c1/beta", must(r.VolumeIDByName("c1", "beta")), "")
			},
		},
		{
			name:  "block volume moves to another hosting volume",
			apply: func(w Writer) error { return w.PutBlockVolume(blockVolume("bv1", "c10", "v3")) },
			check: func(t *testing.T, r Reader) {
				wantIDs(t, "v2 block volumes", must(r.VolumeBlockVolumeIDs("v2")))
				wantIDs(t, "v3 block volumes", must(r.VolumeBlockVolumeIDs("v3")), "bv1")
				wantIDs(t, "c1 block volumes", must(r.ClusterBlockVolumeIDs("c1")))
				wantIDs(t, "c10 block volumes", must(r.ClusterBlockVolumeIDs("c10")), "bv1")
			},
		},
		{
			name: "tear down the whole tree children first",
			apply: func(w Writer) error {
				for _, del := range []func() error{
					func() error { return w.DeleteBlockVolume("bv1") },
					func() error { return w.DeleteBrick("b1") },
					func() error { return w.DeleteBrick("b2") },
					func() error { return w.DeleteBrick("b3") },
					func() error { return w.DeleteBrick("b4") },
					func() error { return w.DeleteVolume("v1") },
					func() error { return w.DeleteVolume("v2") },
					func() error { return w.DeleteVolume("v3") },
					func() error { return w.DeleteDevice("d1") },
					func() error { return w.DeleteDevice("d2") },
					func() error { return w.DeleteDevice("d3") },
					func() error { return w.DeleteNode("n1") },
					func() error { return w.DeleteNode("n2") },
					func() error { return w.DeleteNode("n3") },
					func() error { return w.DeleteCluster("c1") },
					func() error { return w.DeleteCluster("c10") },
					func() error { return w.DeletePendingOp("op1") },
				} {
					if err := del(); err != nil {
						return err
					}
				}
				return nil
			},
			check: func(t *testing.T, r Reader) {
				wantString(t, "manage m1", must(r.NodeIDByManageHostname("m1")), "")
				wantString(t, "c1/alpha", must(r.VolumeIDByName("c1", "alpha")), "")
				wantIDs(t, "clusters", must(r.ClusterIDs()))
				wantIDs(t, "bricks", must(r.BrickIDs()))
			},
		},
		{
			name: "re-put of an unchanged record keeps its entries",
			apply: func(w Writer) error {
				if err := w.PutNode(node("n1", "c1", "m1", "s1")); err != nil {
					return err
				}
				return w.PutVolume(volume("v1", "c1", "alpha"))
			},
			check: func(t *testing.T, r Reader) {
				wantIDs(t, "c1 nodes", must(r.ClusterNodeIDs("c1")), "n1", "n2")
				wantString(t, "c1/alpha", must(r.VolumeIDByName("c1", "alpha")), "v1")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			update(t, s, topology)
			checkIndexes(t, s)
			update(t, s, tt.apply)
			_ = s.View(func(r Reader) error { tt.check(t, r); return nil })
			checkIndexes(t, s)
		})
	}
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: expected %v, got %v", what, want, got)
	}
}

func wantString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: expected %q, got %q", what, want, got)
	}
}

func TestConflicts(t *testing.T) {
	tests := []struct {
		name string
		put  func(w Writer) error
		text string
	}{
		{"manage hostname of another node", func(w Writer) error { return w.PutNode(node("n9", "c1", "m1", "s9")) },
			"Hostname m1 already used by node with id n1"},
		{"storage hostname of another node", func(w Writer) error { return w.PutNode(node("n9", "c1", "m9", "s2")) },
			"Hostname s2 already used by node with id n2"},
		{"existing node takes another's hostname", func(w Writer) error { return w.PutNode(node("n1", "c1", "m1", "s3")) },
			"Hostname s3 already used by node with id n3"},
		{"volume name taken in the cluster", func(w Writer) error { return w.PutVolume(volume("v9", "c1", "alpha")) },
			"volume name alpha already used by volume with id v1 in cluster c1"},
		{"rename onto a taken name", func(w Writer) error { return w.PutVolume(volume("v2", "c1", "alpha")) },
			"already used by volume with id v1"},
		{"move into a cluster where the name is taken", func(w Writer) error { return w.PutVolume(volume("v1", "c10", "alpha")) },
			"already used by volume with id v3"},
	}
	s := openTest(t)
	update(t, s, topology)
	before := takeSnapshot(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Within one transaction: the refused Put must change nothing,
			// and the transaction must stay usable afterwards.
			update(t, s, func(w Writer) error {
				err := tt.put(w)
				wantKind(t, tt.name, err, errs.Conflict, tt.text)
				return w.SetMeta("app", "still usable")
			})
		})
	}
	before.Meta["app"] = "still usable"
	if after := takeSnapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("refused puts changed the store:\nexpected %+v\ngot      %+v", before, after)
	}
	checkIndexes(t, s)
	// The same name in a different cluster is not a conflict.
	update(t, s, func(w Writer) error { return w.PutVolume(volume("v9", "c10", "beta")) })
	checkIndexes(t, s)
}

func TestDeleteWithChildrenRefused(t *testing.T) {
	tests := []struct {
		name string
		del  func(w Writer) error
		text string
	}{
		{"cluster with nodes", func(w Writer) error { return w.DeleteCluster("c10") }, "cluster c10 still has nodes"},
		{"cluster with volumes only", func(w Writer) error {
			for _, err := range []error{w.DeleteBrick("b4"), w.DeleteDevice("d3"), w.DeleteNode("n3")} {
				if err != nil {
					return err
				}
			}
			return w.DeleteCluster("c10")
		}, "cluster c10 still has volumes"},
		{"cluster with block volumes only", func(w Writer) error {
			if err := w.PutCluster(cluster("c2")); err != nil {
				return err
			}
			if err := w.PutBlockVolume(&BlockVolume{ID: "bv9", ClusterID: "c2"}); err != nil {
				return err
			}
			return w.DeleteCluster("c2")
		}, "cluster c2 still has block volumes"},
		{"node with devices", func(w Writer) error { return w.DeleteNode("n1") }, "node n1 still has devices"},
		{"device with bricks", func(w Writer) error { return w.DeleteDevice("d1") }, "device d1 still has bricks"},
		{"volume with bricks", func(w Writer) error { return w.DeleteVolume("v1") }, "volume v1 still has bricks"},
		{"volume with block volumes", func(w Writer) error {
			if err := w.DeleteBrick("b3"); err != nil {
				return err
			}
			return w.DeleteVolume("v2")
		}, "volume v2 still has block volumes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			update(t, s, topology)
			err := s.Update(tt.del)
			wantKind(t, tt.name, err, errs.Conflict, tt.text)
			checkIndexes(t, s)
		})
	}
}

func TestUpdateErrorLeavesNothing(t *testing.T) {
	s := openTest(t)
	update(t, s, func(w Writer) error { return w.PutCluster(cluster("c0")) })
	before := takeSnapshot(t, s)
	boom := errors.New("boom")
	err := s.Update(func(w Writer) error {
		if err := topology(w); err != nil {
			return err
		}
		if err := w.DeleteCluster("c0"); err != nil {
			return err
		}
		if err := w.SetMeta("app", "x"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: expected the fn's error %v, got %v", boom, err)
	}
	if after := takeSnapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("failed Update left changes:\nexpected %+v\ngot      %+v", before, after)
	}
	checkIndexes(t, s)

	func() {
		defer func() { _ = recover() }()
		_ = s.Update(func(w Writer) error {
			_ = w.PutCluster(cluster("panic"))
			panic("fn panics")
		})
	}()
	if after := takeSnapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("panicking Update left changes:\nexpected %+v\ngot      %+v", before, after)
	}
}

func TestConcurrentViewsAndUpdates(t *testing.T) {
	s := openTest(t)
	update(t, s, topology)
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	errc := make(chan error, writers*2)
	for g := 0; g < writers; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				id := fmt.Sprintf("w%d-%02d", g, i)
				if err := s.Update(func(w Writer) error {
					if err := w.PutVolume(volume(id, "c1", id)); err != nil {
						return err
					}
					return w.PutBrick(brick("b"+id, id, "d1", "n1"))
				}); err != nil {
					errc <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if err := s.View(func(r Reader) error {
					// Within one snapshot every listed volume is readable
					// and has exactly its brick.
					ids, err := r.ClusterVolumeIDs("c1")
					for _, id := range ids {
						if _, err := r.Volume(id); err != nil {
							return fmt.Errorf("listed volume %s: %w", id, err)
						}
					}
					return err
				}); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("concurrent use: expected no error, got %v", err)
	}
	_ = s.View(func(r Reader) error {
		if got, want := len(must(r.ClusterVolumeIDs("c1"))), 2+writers*perWriter; got != want {
			t.Errorf("volumes of c1: expected %d, got %d", want, got)
		}
		return nil
	})
	checkIndexes(t, s)
}

func TestBatch(t *testing.T) {
	s := openTest(t)
	update(t, s, topology)
	const n = 20
	var wg sync.WaitGroup
	errsByID := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("bv%02d", i)
			errsByID[i] = s.Batch(func(w Writer) error {
				if i == 7 {
					// Takes a name that is already used: this fn alone fails.
					return w.PutVolume(volume(id, "c1", "alpha"))
				}
				return w.PutVolume(volume(id, "c1", id))
			})
		}()
	}
	wg.Wait()
	for i, err := range errsByID {
		if i == 7 {
			wantKind(t, "failing batched fn", err, errs.Conflict, "already used")
		} else if err != nil {
			t.Errorf("batched fn %d: expected no error, got %v", i, err)
		}
	}
	_ = s.View(func(r Reader) error {
		if got, want := len(must(r.ClusterVolumeIDs("c1"))), 2+n-1; got != want {
			t.Errorf("volumes of c1 after batches: expected %d, got %d", want, got)
		}
		return nil
	})
	checkIndexes(t, s)

	ro := func() *BoltStore {
		path := s.Path()
		s.Close()
		r, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("read-only Open: %v", err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}()
	err := ro.Batch(func(w Writer) error { return nil })
	wantKind(t, "Batch on a read-only store", err, errs.Unavailable, "is open read-only")
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "heketi.db") // parent directories are created
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: expected no error, got %v", err)
	}
	update(t, s, topology)
	update(t, s, func(w Writer) error { return w.SetMeta("app", "value") })
	before := takeSnapshot(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: expected no error, got %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode: expected 0600, got %#o", mode)
	}
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen: expected no error, got %v", err)
	}
	defer s2.Close()
	if s2.Path() != path {
		t.Errorf("Path: expected %q, got %q", path, s2.Path())
	}
	if after := takeSnapshot(t, s2); !reflect.DeepEqual(before, after) {
		t.Errorf("after reopen:\nexpected %+v\ngot      %+v", before, after)
	}
	checkIndexes(t, s2)
}

func TestMetaAttributes(t *testing.T) {
	s := openTest(t)
	snap := takeSnapshot(t, s)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(snap.Meta[MetaGenerationID]) {
		t.Errorf("generation id: expected 32 hex digits, got %q", snap.Meta[MetaGenerationID])
	}
	if _, err := time.Parse(time.RFC3339, snap.Meta[MetaCreatedAt]); err != nil {
		t.Errorf("created_at: expected an RFC 3339 time, got %q (%v)", snap.Meta[MetaCreatedAt], err)
	}
	if snap.Meta[MetaSchemaVersion] != curVer {
		t.Errorf("schema version: expected %q, got %q", curVer, snap.Meta[MetaSchemaVersion])
	}
	update(t, s, func(w Writer) error { return w.SetMeta("app", "v") })
	_ = s.View(func(r Reader) error {
		wantString(t, "Meta(app)", must(r.Meta("app")), "v")
		wantString(t, "Meta(unset)", must(r.Meta("unset")), "")
		return nil
	})
	update(t, s, func(w Writer) error { return w.SetMeta("app", "") })
	_ = s.View(func(r Reader) error {
		wantString(t, "Meta(app) after clearing", must(r.Meta("app")), "")
		return nil
	})
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: expected no error, got %v", err)
	}
	defer s.Close()
	// bbolt's flock is per open file description, so a second Open from
	// this same process contends exactly like another process would.
	for _, ro := range []bool{false, true} {
		const timeout = 300 * time.Millisecond
		start := time.Now()
		s2, err := Open(path, Options{ReadOnly: ro, LockTimeout: timeout})
		elapsed := time.Since(start)
		if err == nil {
			s2.Close()
			t.Fatalf("second Open (read-only %v): expected an error, got none", ro)
		}
		want := "database " + path + " is in use by another process (is another basalt server running?)"
		if err.Error() != want {
			t.Errorf("second Open (read-only %v): expected error %q, got %q", ro, want, err)
		}
		if !errors.Is(err, ErrInUse) || errs.KindOf(err) != errs.Unavailable {
			t.Errorf("second Open: expected ErrInUse of kind unavailable, got kind %v (%v)", errs.KindOf(err), err)
		}
		if elapsed < timeout/2 || elapsed > timeout+time.Second {
			t.Errorf("second Open: expected to give up after about %v, took %v", timeout, elapsed)
		}
	}
	// Once the first store is closed the file opens again.
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s3, err := Open(path, Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("Open after Close: expected no error, got %v", err)
	}
	s3.Close()
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "heketi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	update(t, s, topology)
	want := takeSnapshot(t, s)
	s.Close()

	ro1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open: expected no error, got %v", err)
	}
	defer ro1.Close()
	ro2, err := Open(path, Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("second read-only Open (shared lock): expected no error, got %v", err)
	}
	defer ro2.Close()
	if got := takeSnapshot(t, ro1); !reflect.DeepEqual(got, want) {
		t.Errorf("read-only contents:\nexpected %+v\ngot      %+v", want, got)
	}
	err = ro1.Update(func(w Writer) error { return w.PutCluster(cluster("new")) })
	wantKind(t, "Update on a read-only store", err, errs.Unavailable, "is open read-only")

	_, err = Open(filepath.Join(dir, "missing.db"), Options{ReadOnly: true})
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open of a missing file: expected a not-exist error, got %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("read-only Open of a missing file: expected no file created, got %v", statErr)
	}
}

// curVer and nextVer are the schema version this code writes and the one
// after it, as stored (decimal text).
var (
	curVer  = strconv.Itoa(SchemaVersion)
	nextVer = strconv.Itoa(SchemaVersion + 1)
)

// setRawVersion rewrites the stored schema version of a closed file.
func setRawVersion(t *testing.T, path, version string) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("raw open: %v", err)
	}
	defer bdb.Close()
	if err := bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(MetaSchemaVersion), []byte(version))
	}); err != nil {
		t.Fatalf("raw update: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()
	setRawVersion(t, path, nextVer)
	for _, ro := range []bool{false, true} {
		_, err = Open(path, Options{ReadOnly: ro})
		if !errors.Is(err, ErrNewerSchema) {
			t.Errorf("Open (read-only %v) of a version %s file: expected ErrNewerSchema, got %v", ro, nextVer, err)
		} else if !strings.Contains(err.Error(), "has schema version "+nextVer+" but this basalt supports up to "+curVer) {
			t.Errorf("Open of a version %s file: expected a message naming both versions, got %q", nextVer, err)
		}
	}
	setRawVersion(t, path, "garbage")
	if _, err = Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "invalid schema_version") {
		t.Errorf("Open with a garbage version: expected an invalid schema_version error, got %v", err)
	}
}

func TestForeignFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatalf("raw open: %v", err)
	}
	_ = bdb.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("CLUSTER")) // what a Heketi file has
		return err
	})
	bdb.Close()
	_, err = Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "is not a basalt database") {
		t.Errorf("Open of a Heketi file: expected a not-a-basalt-database error, got %v", err)
	}
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	update(t, s, topology)
	s.Close()

	runs := 0
	v2 := append(append([]Migration(nil), migrations...), Migration{
		Version: SchemaVersion + 1,
		Name:    "fake: tag every cluster",
		Apply: func(tx *bolt.Tx) error {
			runs++
			b := tx.Bucket([]byte(bucketMeta))
			return b.Put([]byte("fake_step"), []byte("done"))
		},
	})
	tests := []struct {
		name     string
		steps    []Migration
		wantRuns int
		wantErr  string
		wantVer  string
	}{
		{"new step runs once", v2, 1, "", nextVer},
		{"reopen does not run it again", v2, 1, "", nextVer},
		{"older code refuses the migrated file", migrations, 1, "has schema version " + nextVer + " but this basalt supports up to " + curVer, nextVer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := open(path, Options{}, tt.steps)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("open: expected an error containing %q, got %v", tt.wantErr, err)
				}
			} else if err != nil {
				t.Fatalf("open: expected no error, got %v", err)
			} else {
				if got := string(rawGet(t, s, bucketMeta, []byte(MetaSchemaVersion))); got != tt.wantVer {
					t.Errorf("schema version: expected %q, got %q", tt.wantVer, got)
				}
				if got := string(rawGet(t, s, bucketMeta, []byte("fake_step"))); got != "done" {
					t.Errorf("fake step's write: expected %q, got %q", "done", got)
				}
				checkIndexes(t, s)
				s.Close()
			}
			if runs != tt.wantRuns {
				t.Errorf("fake step runs: expected %d, got %d", tt.wantRuns, runs)
			}
		})
	}
}

func TestReadOnlyNeverMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()
	ran := false
	v2 := append(append([]Migration(nil), migrations...), Migration{
		Version: SchemaVersion + 1, Name: "fake", Apply: func(*bolt.Tx) error { ran = true; return nil },
	})
	_, err = open(path, Options{ReadOnly: true}, v2)
	if err == nil || !strings.Contains(err.Error(), "has schema version "+curVer+" and needs migrating to "+nextVer+"; open it read-write once") {
		t.Errorf("read-only open of an old file: expected a needs-migrating error, got %v", err)
	}
	if ran {
		t.Errorf("read-only open: expected the migration not to run, it ran")
	}
}

func TestMigrationFailureKeepsVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()
	failing := append(append([]Migration(nil), migrations...), Migration{
		Version: SchemaVersion + 1,
		Name:    "fake: fails half-way",
		Apply: func(tx *bolt.Tx) error {
			if err := tx.Bucket([]byte(bucketMeta)).Put([]byte("half"), []byte("x")); err != nil {
				return err
			}
			return errors.New("step failed")
		},
	})
	if _, err := open(path, Options{}, failing); err == nil || !strings.Contains(err.Error(), "migration "+nextVer+" (fake: fails half-way): step failed") {
		t.Fatalf("open with a failing step: expected the step's error, got %v", err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after failed migration: expected no error, got %v", err)
	}
	defer s.Close()
	if got := string(rawGet(t, s, bucketMeta, []byte(MetaSchemaVersion))); got != curVer {
		t.Errorf("schema version after failed step: expected %q, got %q", curVer, got)
	}
	if got := rawGet(t, s, bucketMeta, []byte("half")); got != nil {
		t.Errorf("failed step's write: expected none, got %q", got)
	}
}

func TestCheckMigrationsRejectsBadHistory(t *testing.T) {
	noop := func(*bolt.Tx) error { return nil }
	tests := []struct {
		name  string
		steps []Migration
	}{
		{"gap", []Migration{{Version: 1, Name: "a", Apply: noop}, {Version: 3, Name: "c", Apply: noop}}},
		{"out of order", []Migration{{Version: 2, Name: "b", Apply: noop}, {Version: 1, Name: "a", Apply: noop}}},
		{"no apply", []Migration{{Version: 1, Name: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := checkMigrations(tt.steps); err == nil {
				t.Errorf("checkMigrations: expected an error, got nil")
			}
		})
	}
}

func TestBackup(t *testing.T) {
	s := openTest(t)
	update(t, s, topology)
	want := takeSnapshot(t, s)
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil {
		t.Fatalf("Backup: expected no error, got %v", err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("Backup: expected the returned count to equal the %d bytes written, got %d", buf.Len(), n)
	}
	// Writes after the backup must not appear in it.
	update(t, s, func(w Writer) error { return w.PutCluster(cluster("later")) })

	path := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of the backup: expected no error, got %v", err)
	}
	defer r.Close()
	if got := takeSnapshot(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("backup contents:\nexpected %+v\ngot      %+v", want, got)
	}
	checkIndexes(t, r)
}

func TestRevisionGrowsWithCommits(t *testing.T) {
	s, err := Open(t.TempDir()+"/r.db", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rev := func() uint64 {
		var r uint64
		_ = s.View(func(rd Reader) error { r = rd.Revision(); return nil })
		return r
	}
	before := rev()
	if again := rev(); again != before {
		t.Fatalf("reads must not change the revision: %d then %d", before, again)
	}
	if err := s.Update(func(w Writer) error { return w.PutCluster(&Cluster{ID: "c1"}) }); err != nil {
		t.Fatal(err)
	}
	if after := rev(); after <= before {
		t.Fatalf("a commit must raise the revision: %d then %d", before, after)
	}
}

// TestBatchManyWriters drives the group commit hard: every call must get
// its own result exactly once, failures stay with their own caller, a panic
// reaches only its own caller, and everything that succeeded is stored.
func TestBatchManyWriters(t *testing.T) {
	s := openTest(t)
	update(t, s, topology)
	const writers, each = 16, 40
	var wg sync.WaitGroup
	var failures, panics sync.Map
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("w%02di%02d", g, i)
				func() {
					defer func() {
						if p := recover(); p != nil {
							panics.Store(id, p)
						}
					}()
					err := s.Batch(func(w Writer) error {
						switch {
						case i%13 == 5:
							return w.PutVolume(volume(id, "c1", "alpha")) // name taken
						case g == 3 && i == 7:
							panic("boom " + id)
						}
						return w.PutVolume(volume(id, "c1", id))
					})
					if err != nil {
						failures.Store(id, err)
					}
				}()
			}
		}()
	}
	wg.Wait()
	wantFail := 0
	for g := 0; g < writers; g++ {
		for i := 0; i < each; i++ {
			id := fmt.Sprintf("w%02di%02d", g, i)
			err, failed := failures.Load(id)
			p, panicked := panics.Load(id)
			switch {
			case i%13 == 5:
				wantFail++
				if !failed {
					t.Errorf("%s: expected a name conflict, got none", id)
				} else {
					wantKind(t, id, err.(error), errs.Conflict, "already used")
				}
			case g == 3 && i == 7:
				if !panicked || p != "boom "+id {
					t.Errorf("%s: expected its own panic, got %v (failed %v)", id, p, err)
				}
			case failed || panicked:
				t.Errorf("%s: unexpected error %v / panic %v", id, err, p)
			}
		}
	}
	_ = s.View(func(r Reader) error {
		if got, want := len(must(r.ClusterVolumeIDs("c1"))), 2+writers*each-wantFail-1; got != want {
			t.Errorf("volumes of c1: expected %d, got %d", want, got)
		}
		return nil
	})
	checkIndexes(t, s)
}

// TestBatchSurvivesAnAbnormalCommit: a commit that ends by a panic outside
// the batched functions, or by runtime.Goexit in one of them, must not leave
// later Batch calls waiting forever for a committer that is gone.
func TestBatchSurvivesAnAbnormalCommit(t *testing.T) {
	s := openTest(t)
	update(t, s, topology)
	finishes := func(what string) {
		t.Helper()
		done := make(chan error, 1)
		go func() {
			done <- s.Batch(func(w Writer) error { return w.PutVolume(volume("after"+what, "c1", "after"+what)) })
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Batch after %s: %v", what, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Batch after %s still waiting after 10 s", what)
		}
	}

	// A panic in bbolt's commit (here from an OnCommit hook).
	func() {
		defer func() {
			if p := recover(); p != "hook" {
				t.Fatalf("expected the hook's panic in its caller, got %v", p)
			}
		}()
		_ = s.group.do(func(tx *bolt.Tx) error {
			tx.OnCommit(func() { panic("hook") })
			return nil
		})
	}()
	finishes("a panic in the commit")

	// runtime.Goexit in a batched function ends the committing goroutine.
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = s.Batch(func(Writer) error { runtime.Goexit(); return nil })
	}()
	<-exited
	finishes("a Goexit")
}
