package db

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/basalt-storage/basalt/internal/idgen"
)

// benchTopology fills a store with one cluster of three nodes, one device
// each, and nVolumes replica-3 volumes (one brick per device each). It
// returns the cluster, node and device ids.
func benchTopology(b *testing.B, s *BoltStore, nVolumes int) (clusterID string, nodes, devices []string) {
	b.Helper()
	clusterID = idgen.New()
	update(b, s, func(w Writer) error {
		if err := w.PutCluster(cluster(clusterID)); err != nil {
			return err
		}
		for i := 0; i < 3; i++ {
			n, d := idgen.New(), idgen.New()
			nodes, devices = append(nodes, n), append(devices, d)
			if err := w.PutNode(node(n, clusterID, fmt.Sprintf("m%d", i), fmt.Sprintf("s%d", i))); err != nil {
				return err
			}
			if err := w.PutDevice(device(d, n)); err != nil {
				return err
			}
		}
		return nil
	})
	const batch = 1000
	for done := 0; done < nVolumes; done += batch {
		update(b, s, func(w Writer) error {
			for i := done; i < done+batch && i < nVolumes; i++ {
				if err := putVolumeWithBricks(w, clusterID, fmt.Sprintf("vol_%d", i), nodes, devices); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return clusterID, nodes, devices
}

// putVolumeWithBricks is the write set of one volume create: the volume and
// one brick on each device.
func putVolumeWithBricks(w Writer, clusterID, name string, nodes, devices []string) error {
	v := volume(idgen.New(), clusterID, name)
	if err := w.PutVolume(v); err != nil {
		return err
	}
	for i, d := range devices {
		if err := w.PutBrick(brick(idgen.New(), v.ID, d, nodes[i])); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkPutVolume measures one Update that stores one new volume, fsync
// included, in a store that already holds 0 or 10,000 volumes.
func BenchmarkPutVolume(b *testing.B) {
	for _, existing := range []int{0, 10000} {
		b.Run(fmt.Sprintf("existing=%d", existing), func(b *testing.B) {
			s := openTest(b)
			clusterID, _, _ := benchTopology(b, s, existing)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v := volume(idgen.New(), clusterID, fmt.Sprintf("bench_%d", i))
				if err := s.Update(func(w Writer) error { return w.PutVolume(v) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutVolumeParallel measures volume creates (volume + 3 bricks)
// from 16 concurrent writers, each committing alone (Update) or group
// committing (Batch); fsync dominates both.
func BenchmarkPutVolumeParallel(b *testing.B) {
	for _, mode := range []string{"Update", "Batch"} {
		b.Run(mode, func(b *testing.B) {
			s := openTest(b)
			clusterID, nodes, devices := benchTopology(b, s, 0)
			commit := s.Update
			if mode == "Batch" {
				commit = s.Batch
			}
			var seq atomic.Int64
			b.SetParallelism(8) // 8 x GOMAXPROCS(2) = 16 writers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := fmt.Sprintf("bench_%d", seq.Add(1))
					if err := commit(func(w Writer) error {
						return putVolumeWithBricks(w, clusterID, name, nodes, devices)
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkPutVolumeWithBricks measures the whole write set of a volume
// create (volume + 3 bricks, all indexes) in one Update, with 10,000 volumes
// stored.
func BenchmarkPutVolumeWithBricks(b *testing.B) {
	s := openTest(b)
	clusterID, nodes, devices := benchTopology(b, s, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Update(func(w Writer) error {
			return putVolumeWithBricks(w, clusterID, fmt.Sprintf("bench_%d", i), nodes, devices)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClusterVolumeIDs10k lists the 10,000 volumes of a cluster.
func BenchmarkClusterVolumeIDs10k(b *testing.B) {
	s := openTest(b)
	clusterID, _, _ := benchTopology(b, s, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.View(func(r Reader) error {
			ids, err := r.ClusterVolumeIDs(clusterID)
			if err == nil && len(ids) != 10000 {
				return fmt.Errorf("expected 10000 ids, got %d", len(ids))
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetNode reads one node and its device ids (what GET /nodes/{id}
// needs from the store) with 10,000 volumes stored.
func BenchmarkGetNode(b *testing.B) {
	s := openTest(b)
	_, nodes, _ := benchTopology(b, s, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.View(func(r Reader) error {
			if _, err := r.Node(nodes[1]); err != nil {
				return err
			}
			_, err := r.NodeDeviceIDs(nodes[1])
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCluster reads one cluster and its node ids with 10,000 volumes
// stored (the volume list is measured by BenchmarkClusterVolumeIDs10k).
func BenchmarkGetCluster(b *testing.B) {
	s := openTest(b)
	clusterID, _, _ := benchTopology(b, s, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.View(func(r Reader) error {
			if _, err := r.Cluster(clusterID); err != nil {
				return err
			}
			_, err := r.ClusterNodeIDs(clusterID)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVolumeIDByName is the duplicate-name check of a volume create.
func BenchmarkVolumeIDByName(b *testing.B) {
	s := openTest(b)
	clusterID, _, _ := benchTopology(b, s, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.View(func(r Reader) error {
			id, err := r.VolumeIDByName(clusterID, "vol_5000")
			if err == nil && id == "" {
				return fmt.Errorf("vol_5000 not found")
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
