package dbcheck

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
)

const (
	cID   = "c0000000000000000000000000000001"
	vID   = "e0000000000000000000000000000001"
	bhvID = "e0000000000000000000000000000002"
	bvID  = "f0000000000000000000000000000001"
	opID  = "90000000000000000000000000000001"
)

func nodeID(i int) string   { return fmt.Sprintf("a%031d", i) }
func deviceID(i int) string { return fmt.Sprintf("d%031d", i) }
func brickID(i int) string  { return fmt.Sprintf("b%031d", i) }

// healthy writes a consistent topology: 3 nodes with one 10 GiB device each,
// a replica-3 volume whose bricks are accounted on the devices, a
// block-hosting volume with one block volume, and a volume being created by
// a pending operation.
func healthy(t *testing.T) *db.BoltStore {
	t.Helper()
	s, err := db.Open(filepath.Join(t.TempDir(), "check.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	err = s.Update(func(w db.Writer) error {
		if err := w.PutCluster(&db.Cluster{ID: cID, Block: true, File: true}); err != nil {
			return err
		}
		if err := w.PutPendingOp(&db.PendingOp{ID: opID, Type: db.OpCreateVolume, Actions: []db.PendingAction{
			{Change: db.ChangeAddVolume, ID: vID}, {Change: db.ChangeAddBrick, ID: brickID(1)}}}); err != nil {
			return err
		}
		for _, v := range []*db.Volume{
			{ID: vID, ClusterID: cID, Name: "v", SizeGiB: 1, PendingOpID: opID},
			{ID: bhvID, ClusterID: cID, Name: "bhv", SizeGiB: 10, Block: true, BlockInfo: api.BlockInfo{FreeSize: 7, ReservedSize: 1}},
		} {
			if err := w.PutVolume(v); err != nil {
				return err
			}
		}
		for i := 1; i <= 3; i++ {
			if err := w.PutNode(&db.Node{ID: nodeID(i), ClusterID: cID, ManageHostnames: []string{fmt.Sprint("m", i)},
				StorageHostnames: []string{fmt.Sprint("s", i)}, State: api.EntryStateOnline}); err != nil {
				return err
			}
			used := uint64(1<<20 + 8192)
			if err := w.PutDevice(&db.Device{ID: deviceID(i), NodeID: nodeID(i), Name: "/dev/sdb", State: api.EntryStateOnline,
				TotalKiB: 10 << 20, FreeKiB: 10<<20 - used, UsedKiB: used}); err != nil {
				return err
			}
			b := &db.Brick{ID: brickID(i), VolumeID: vID, DeviceID: deviceID(i), NodeID: nodeID(i), SizeKiB: 1 << 20,
				TpSizeKiB: 1 << 20, PoolMetadataSizeKiB: 8192}
			if i == 1 {
				b.PendingOpID = opID
			}
			if err := w.PutBrick(b); err != nil {
				return err
			}
		}
		return w.PutBlockVolume(&db.BlockVolume{ID: bvID, ClusterID: cID, BlockHostingVolume: bhvID, Name: "blk", SizeGiB: 2})
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return s
}

func check(t *testing.T, s db.Store) *Report {
	t.Helper()
	var rep *Report
	if err := s.View(func(r db.Reader) error {
		var err error
		rep, err = Check(r)
		return err
	}); err != nil {
		t.Fatalf("Check: expected no error, got %v", err)
	}
	return rep
}

func TestHealthy(t *testing.T) {
	rep := check(t, healthy(t))
	if rep.TotalInconsistencies != 0 {
		t.Fatalf("expected no inconsistencies, got %d: %+v", rep.TotalInconsistencies, rep)
	}
	tests := []struct {
		name               string
		got                api.DBBucketCheck
		total, pending, ok int
	}{
		{"clusters", rep.Clusters, 1, 0, 1},
		{"nodes", rep.Nodes, 3, 0, 3},
		{"devices", rep.Devices, 3, 0, 3},
		{"volumes", rep.Volumes, 2, 1, 2},
		{"bricks", rep.Bricks, 3, 1, 3},
		{"blockvolumes", rep.BlockVolumes, 1, 0, 1},
		{"pendingoperations", rep.PendingOperations, 1, 1, 1},
		{"dbattributes", rep.DBAttributes, 5, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.got
			if g.Total != tc.total || g.Pending != tc.pending || g.OK != tc.ok || g.NotOK != 0 || g.Inconsistencies != nil {
				t.Errorf("expected total %d pending %d ok %d notok 0 and null inconsistencies, got %+v", tc.total, tc.pending, tc.ok, g)
			}
		})
	}
}

func TestPlanted(t *testing.T) {
	tests := []struct {
		name   string
		plant  func(w db.Writer) error
		bucket func(*Report) api.DBBucketCheck
		want   []string
	}{
		{
			name: "device used differs from its bricks",
			plant: func(w db.Writer) error {
				d, err := w.Device(deviceID(2))
				if err != nil {
					return err
				}
				d.UsedKiB += 4096
				d.FreeKiB -= 4096
				return w.PutDevice(d)
			},
			bucket: func(r *Report) api.DBBucketCheck { return r.Devices },
			want:   []string{fmt.Sprintf("Device %s size values differ Used(%d) != aggregateBricksSize(%d)", deviceID(2), 1<<20+8192+4096, 1<<20+8192)},
		},
		{
			name: "device total differs from free plus used",
			plant: func(w db.Writer) error {
				d, err := w.Device(deviceID(3))
				if err != nil {
					return err
				}
				d.FreeKiB++
				return w.PutDevice(d)
			},
			bucket: func(r *Report) api.DBBucketCheck { return r.Devices },
			want:   []string{fmt.Sprintf("Device %s size values differ Total(%d) != Free(%d) + Used(%d)", deviceID(3), 10<<20, 10<<20-(1<<20+8192)+1, 1<<20+8192)},
		},
		{
			name: "marker of a missing operation",
			plant: func(w db.Writer) error {
				b, err := w.Brick(brickID(3))
				if err != nil {
					return err
				}
				b.PendingOpID = "90000000000000000000000000000009"
				return w.PutBrick(b)
			},
			bucket: func(r *Report) api.DBBucketCheck { return r.Bricks },
			want:   []string{"brick " + brickID(3) + " is marked by pending operation 90000000000000000000000000000009, which does not exist"},
		},
		{
			name: "operation refers to a missing brick",
			plant: func(w db.Writer) error {
				op, err := w.PendingOp(opID)
				if err != nil {
					return err
				}
				op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeAddBrick, ID: brickID(9)})
				return w.PutPendingOp(op)
			},
			bucket: func(r *Report) api.DBBucketCheck { return r.PendingOperations },
			want:   []string{"pending operation " + opID + " refers to brick " + brickID(9) + " (change 1), which does not exist"},
		},
		{
			name: "block-hosting sizes",
			plant: func(w db.Writer) error {
				v, err := w.Volume(bhvID)
				if err != nil {
					return err
				}
				v.BlockInfo.FreeSize = 8
				return w.PutVolume(v)
			},
			bucket: func(r *Report) api.DBBucketCheck { return r.Volumes },
			want:   []string{"Block hosting volume " + bhvID + " size values differ Size(10) != FreeSize(8) + ReservedSize(1) + blockVolumesSize(2)"},
		},
		{
			name: "brick on another node than its device",
			plant: func(w db.Writer) error {
				b, err := w.Brick(brickID(2))
				if err != nil {
					return err
				}
				b.NodeID = nodeID(1)
				return w.PutBrick(b)
			},
			bucket: func(r *Report) api.DBBucketCheck { return r.Bricks },
			want:   []string{"brick " + brickID(2) + " is on node " + nodeID(1) + ", but its device " + deviceID(2) + " is on node " + nodeID(2)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := healthy(t)
			if err := s.Update(tc.plant); err != nil {
				t.Fatal(err)
			}
			rep := check(t, s)
			b := tc.bucket(rep)
			if !slices.Equal(b.Inconsistencies, tc.want) {
				t.Fatalf("expected inconsistencies %q, got %q", tc.want, b.Inconsistencies)
			}
			if b.NotOK != 1 || b.OK != b.Total-1 {
				t.Errorf("expected one notok record and the rest ok, got %+v", b)
			}
			if rep.TotalInconsistencies != len(tc.want) {
				t.Errorf("expected %d inconsistencies in total, got %d", len(tc.want), rep.TotalInconsistencies)
			}
			for _, m := range b.Inconsistencies {
				if strings.TrimSpace(m) == "" {
					t.Errorf("expected non-empty messages, got %q", b.Inconsistencies)
				}
			}
		})
	}
}
