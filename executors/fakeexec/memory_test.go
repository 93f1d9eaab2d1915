package fakeexec

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/internal/idgen"
	"github.com/basalt-storage/basalt/internal/sizing"
)

// scaleModel builds what the scale benchmark (tests/bench) builds in the
// server's mock nodes: 3 nodes with 4 devices each, then vols replica-3
// volumes of 1 GiB, through cmdexec's Executor so the command lines are
// exactly the server's. It returns the Fake.
func scaleModel(tb testing.TB, vols int) *Fake {
	tb.Helper()
	ctx := context.Background()
	f := New(Options{AutoDiskSizeKiB: 8192 << 20, LogLimit: 1000})
	e := cmdexec.New(f, cmdexec.DefaultConfig(), nil)
	type device struct{ host, id string }
	var hosts, storage []string
	var devs [][]device
	for i := 1; i <= 3; i++ {
		host, ip := fmt.Sprintf("node%d", i), fmt.Sprintf("10.0.0.%d", i)
		f.AddNode(host, ip)
		if i > 1 {
			if err := e.PeerProbe(ctx, hosts[0], ip); err != nil {
				tb.Fatal(err)
			}
		}
		var ds []device
		for _, name := range []string{"/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde"} {
			d := device{host: host, id: idgen.New()}
			if _, err := e.DeviceSetup(ctx, host, executors.DeviceRequest{ID: d.id, Name: name}); err != nil {
				tb.Fatal(err)
			}
			ds = append(ds, d)
		}
		hosts, storage, devs = append(hosts, host), append(storage, ip), append(devs, ds)
	}
	const brickKiB = 1 << 20
	tp := sizing.ThinPoolSizeKiB(brickKiB, 1, 4096)
	meta := sizing.PoolMetadataSizeKiB(tp, 4096)
	for v := 0; v < vols; v++ {
		id := idgen.New()
		req := executors.VolumeRequest{ID: id, Name: "vol_" + id, Options: []string{""},
			Durability: executors.Durability{Type: "replicate", Replica: 3}}
		for i := range hosts {
			d := devs[i][v%len(devs[i])]
			bid := idgen.New()
			b := executors.BrickRequest{ID: bid, DeviceID: d.id, ThinPool: cmdexec.ThinPoolName(bid), LV: cmdexec.BrickLVName(bid),
				Path: cmdexec.BrickPath(d.id, bid), SizeKiB: brickKiB, TpSizeKiB: tp, PoolMetadataSizeKiB: meta}
			if err := e.BrickCreate(ctx, d.host, b); err != nil {
				tb.Fatal(err)
			}
			req.Bricks = append(req.Bricks, cmdexec.BrickArg(storage[i], b.Path))
		}
		if err := e.VolumeCreate(ctx, hosts[0], req); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// writeHeapProfile writes the current heap profile to file.
func writeHeapProfile(tb testing.TB, file string) {
	out, err := os.Create(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	if err := pprof.WriteHeapProfile(out); err != nil {
		tb.Fatal(err)
	}
}

// heapStats returns the heap statistics after a full collection.
func heapStats() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

// BenchmarkModelMemory measures the heap the node model holds per brick at
// scale: 3,000 replica-3 volumes (9,000 bricks) made with the server's
// command lines. It reports live-B/brick (live objects, what a heap
// profile's inuse_space counts), inuse-B/brick (heap spans in use, which
// adds the free slots between live objects) and live-MB@10k-vols, the live
// heap extrapolated to the scale benchmark's 30,000 bricks. With
// FAKEEXEC_HEAP_PROFILE=<file> it also writes a heap profile taken while the
// model is alive (go tool pprof -sample_index=inuse_space <file>).
func BenchmarkModelMemory(b *testing.B) {
	const vols = 3000
	if os.Getenv("FAKEEXEC_HEAP_PROFILE") != "" {
		defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
		runtime.MemProfileRate = 512
	}
	for b.Loop() {
		before := heapStats()
		f := scaleModel(b, vols)
		after := heapStats()
		if file := os.Getenv("FAKEEXEC_HEAP_PROFILE"); file != "" {
			writeHeapProfile(b, file)
		}
		runtime.KeepAlive(f)
		const bricks = 3 * vols
		live := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		inuse := float64(after.HeapInuse) - float64(before.HeapInuse)
		b.ReportMetric(live/bricks, "live-B/brick")
		b.ReportMetric(inuse/bricks, "inuse-B/brick")
		b.ReportMetric(live/bricks*30000/1e6, "live-MB@10k-vols")
	}
}
