package main

import (
	"path/filepath"
	"testing"

	"github.com/basalt-storage/basalt/db"
)

func TestDeleteEmptyPathBricks(t *testing.T) {
	store, err := db.Open(filepath.Join(t.TempDir(), "x.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.Update(func(w db.Writer) error {
		for _, r := range []error{
			w.PutCluster(&db.Cluster{ID: "c1"}),
			w.PutNode(&db.Node{ID: "n1", ClusterID: "c1", ManageHostnames: []string{"h1"}, StorageHostnames: []string{"s1"}}),
			w.PutDevice(&db.Device{ID: "d1", NodeID: "n1", TotalKiB: 1000, FreeKiB: 700, UsedKiB: 300}),
			w.PutVolume(&db.Volume{ID: "v1", ClusterID: "c1", Name: "v"}),
			w.PutBrick(&db.Brick{ID: "b1", VolumeID: "v1", DeviceID: "d1", NodeID: "n1", Path: "/p/brick", TpSizeKiB: 100, PoolMetadataSizeKiB: 50}),
			w.PutBrick(&db.Brick{ID: "b2", VolumeID: "v1", DeviceID: "d1", NodeID: "n1", TpSizeKiB: 100, PoolMetadataSizeKiB: 50}),
		} {
			if r != nil {
				return r
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := deleteEmptyPathBricks(store, false, nil, map[string]bool{"other": true}, nil); err != nil || n != 0 {
		t.Fatalf("out of scope: expected 0 deleted, got %d %v", n, err)
	}
	n, err := deleteEmptyPathBricks(store, false, map[string]bool{"c1": true}, nil, nil)
	if err != nil || n != 1 {
		t.Fatalf("expected 1 deleted, got %d %v", n, err)
	}
	_ = store.View(func(r db.Reader) error {
		if _, err := r.Brick("b2"); err == nil {
			t.Error("the brick without a path must be gone")
		}
		if _, err := r.Brick("b1"); err != nil {
			t.Errorf("the brick with a path must stay: %v", err)
		}
		d, _ := r.Device("d1")
		if d.UsedKiB != 150 || d.FreeKiB != 850 {
			t.Errorf("its space must be given back: used %d free %d", d.UsedKiB, d.FreeKiB)
		}
		return nil
	})
}
