package fakeexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

func TestRunStopsAtFirstFailure(t *testing.T) {
	f := New(Options{})
	f.AddNode("n1", "")
	res, err := f.Run(context.Background(), "n1", []string{"mkdir -p /a", "rmdir /nope", "mkdir -p /b"}, time.Minute)
	var ce *executors.CommandError
	if !errors.As(err, &ce) || ce.Command != "rmdir /nope" || ce.Host != "n1" || ce.ExitStatus != 1 {
		t.Fatalf("err = %#v", err)
	}
	if len(res) != 2 {
		t.Fatalf("got %d results, want 2 (the failing command included)", len(res))
	}
	if f.Node("n1").Snapshot().Dirs[0].Path == "/b" || dirExists(f, "n1", "/b") {
		t.Error("a command after the failure ran")
	}
	if got := f.CommandLines("n1"); len(got) != 2 {
		t.Errorf("command log = %q", got)
	}
}

func dirExists(f *Fake, host, p string) bool {
	_, ok := f.Node(host).Dir(p)
	return ok
}

func TestFaults(t *testing.T) {
	type call struct {
		host, cmd string
		// want
		exit        int
		stderr      string
		unreachable bool
	}
	tests := []struct {
		name  string
		fault Fault
		calls []call
	}{
		{
			name:  "every matching call",
			fault: Fault{Match: `^/usr/sbin/lvm lvcreate`, ExitStatus: 5, Stderr: "  injected\n"},
			calls: []call{
				{host: "n1", cmd: "/usr/sbin/lvm lvcreate -L 4M -n x vg", exit: 5, stderr: "  injected\n"},
				{host: "n2", cmd: "/usr/sbin/lvm lvcreate -L 4M -n x vg", exit: 5, stderr: "  injected\n"},
				{host: "n1", cmd: "mkdir -p /x"},
			},
		},
		{
			name:  "host filter",
			fault: Fault{Host: "n2", ExitStatus: 1, Stderr: "boom\n"},
			calls: []call{
				{host: "n1", cmd: "mkdir -p /x"},
				{host: "n2", cmd: "mkdir -p /x", exit: 1, stderr: "boom\n"},
			},
		},
		{
			name:  "nth call only",
			fault: Fault{Match: "mkdir", Nth: 2, ExitStatus: 1, Stderr: "second\n"},
			calls: []call{
				{host: "n1", cmd: "mkdir -p /a"},
				{host: "n1", cmd: "mkdir -p /b", exit: 1, stderr: "second\n"},
				{host: "n1", cmd: "mkdir -p /c"},
			},
		},
		{
			name:  "limited times",
			fault: Fault{Match: "mkdir", Times: 2, ExitStatus: 1, Stderr: "x\n"},
			calls: []call{
				{host: "n1", cmd: "mkdir -p /a", exit: 1, stderr: "x\n"},
				{host: "n1", cmd: "mkdir -p /a", exit: 1, stderr: "x\n"},
				{host: "n1", cmd: "mkdir -p /a"},
			},
		},
		{
			name:  "stdout replacement with exit 0",
			fault: Fault{Match: "vgdisplay", Stdout: "  garbage\n"},
			calls: []call{
				{host: "n1", cmd: "/usr/sbin/lvm vgdisplay -c vg_x"},
			},
		},
		{
			name:  "unreachable",
			fault: Fault{Host: "n1", Unreachable: true, Times: 1},
			calls: []call{
				{host: "n1", cmd: "true", unreachable: true},
				{host: "n1", cmd: "true"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(Options{})
			f.AddNode("n1", "")
			f.AddNode("n2", "")
			remove := f.Inject(tt.fault)
			defer remove()
			for i, c := range tt.calls {
				res, err := f.Run(context.Background(), c.host, []string{c.cmd}, time.Minute)
				if c.unreachable {
					if !errors.Is(err, ErrUnreachable) || len(res) != 0 {
						t.Errorf("call %d: err = %v, results %d, want ErrUnreachable and none", i, err, len(res))
					}
					continue
				}
				if len(res) != 1 {
					t.Fatalf("call %d: %d results, err %v", i, len(res), err)
				}
				if res[0].ExitStatus != c.exit || (c.stderr != "" && res[0].Stderr != c.stderr) {
					t.Errorf("call %d (%s on %s): exit %d stderr %q, want %d %q", i, c.cmd, c.host, res[0].ExitStatus, res[0].Stderr, c.exit, c.stderr)
				}
				if c.exit != 0 && err == nil {
					t.Errorf("call %d: no error for exit %d", i, c.exit)
				}
			}
		})
	}
}

func TestFaultStdoutIsReturned(t *testing.T) {
	f := New(Options{})
	f.AddNode("n1", "")
	f.Inject(Fault{Match: "vgdisplay", Stdout: "  garbage\n"})
	res := mustRun(t, f, "n1", "/usr/sbin/lvm vgdisplay -c vg_x")
	if res[0].Stdout != "  garbage\n" {
		t.Errorf("stdout = %q", res[0].Stdout)
	}
	if recs := f.Commands(); len(recs) != 1 || !recs[0].Injected {
		t.Errorf("records = %+v, want one injected", recs)
	}
}

func TestFaultRemoveAndModelUntouched(t *testing.T) {
	f := New(Options{})
	f.AddNode("n1", "")
	remove := f.Inject(Fault{Match: "mkdir", ExitStatus: 1})
	runFail(t, f, "n1", "mkdir -p /x")
	if dirExists(f, "n1", "/x") {
		t.Error("a failed injected command changed the model")
	}
	remove()
	mustRun(t, f, "n1", "mkdir -p /x")
	if !dirExists(f, "n1", "/x") {
		t.Error("command did not run after the fault was removed")
	}
}

func TestFaultDelay(t *testing.T) {
	t.Run("delay then run", func(t *testing.T) {
		f := New(Options{})
		f.AddNode("n1", "")
		f.Inject(Fault{Match: "mkdir", Delay: 20 * time.Millisecond})
		start := time.Now()
		mustRun(t, f, "n1", "mkdir -p /x")
		if time.Since(start) < 20*time.Millisecond || !dirExists(f, "n1", "/x") {
			t.Error("delayed command did not wait or did not run")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		f := New(Options{})
		f.AddNode("n1", "")
		f.Inject(Fault{Match: "mkdir", Delay: time.Hour})
		start := time.Now()
		res, err := f.Run(context.Background(), "n1", []string{"mkdir -p /x", "true"}, 10*time.Millisecond)
		var ce *executors.CommandError
		if !errors.As(err, &ce) || !ce.TimedOut || len(res) != 1 {
			t.Fatalf("err = %#v, results %d; want a timed-out CommandError", err, len(res))
		}
		if time.Since(start) > time.Second || dirExists(f, "n1", "/x") {
			t.Error("timeout not honoured or the command ran")
		}
		if ce.Error() != "command timed out" {
			t.Errorf("error text %q", ce.Error())
		}
	})
	t.Run("context cancel", func(t *testing.T) {
		f := New(Options{})
		f.AddNode("n1", "")
		f.Inject(Fault{Delay: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err := f.Run(ctx, "n1", []string{"true"}, time.Hour)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("latency option", func(t *testing.T) {
		f := New(Options{Latency: 5 * time.Millisecond})
		f.AddNode("n1", "")
		start := time.Now()
		mustRun(t, f, "n1", "true", "true")
		if time.Since(start) < 10*time.Millisecond {
			t.Error("latency not applied to every command")
		}
	})
}

func TestCommandLog(t *testing.T) {
	f := New(Options{})
	f.AddNode("n1", "")
	f.AddNode("n2", "")
	mustRun(t, f, "n1", "true")
	runFail(t, f, "n2", "false")
	recs := f.Commands()
	if len(recs) != 2 || recs[0].Host != "n1" || recs[1].ExitStatus != 1 || recs[1].Time.IsZero() {
		t.Errorf("records = %+v", recs)
	}
	f.ResetCommands()
	if len(f.Commands()) != 0 {
		t.Error("ResetCommands kept records")
	}
}

// TestConcurrency runs brick creates in parallel on different nodes and on
// the same node, plus gluster commands, under the race detector.
func TestConcurrency(t *testing.T) {
	c := newCluster(t, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 12; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			node := w % 3
			id := hexID('a', w)
			cmds := brickCreateCmds(c.devs[node], id, id, 1048576, 1048576, 8192, 0)
			if _, err := c.f.Run(context.Background(), c.hosts[node], cmds, time.Minute); err != nil {
				errs <- fmt.Errorf("brick %d: %w", w, err)
			}
			if _, err := c.f.Run(context.Background(), c.hosts[(node+1)%3], []string{glusterCLI + "volume info --xml", "/usr/sbin/lvm lvs --reportformat json --units k"}, time.Minute); err != nil {
				errs <- err
			}
			_ = c.f.Node(c.hosts[node]).Snapshot()
			_ = c.f.Volumes()
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for _, h := range c.hosts {
		total += len(c.f.Node(h).Snapshot().Mounts)
	}
	if total != 12 {
		t.Errorf("%d brick mounts, want 12", total)
	}
	if n := len(strings.Split(strings.TrimSpace(strings.Join(c.f.CommandLines(""), "\n")), "\n")); n < 12*8 {
		t.Errorf("only %d commands logged", n)
	}
}

// BenchmarkBrickCreate measures a 10-command brick create sequence (mkdir,
// lvcreate, mkfs, fstab, mount, mkdir, chown, chmod, thin_count and a
// vgdisplay) on one node that accumulates bricks.
func BenchmarkBrickCreate(b *testing.B) {
	f := New(Options{})
	f.AddNode("n1", "").AddDisk("/dev/sdb", 1<<40)
	mustRun(b, f, "n1", deviceSetupCmds("d1", "/dev/sdb")...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("%032x", i)
		cmds := append(brickCreateCmds("d1", id, id, 4096, 4096, 4096, 2000),
			"/usr/sbin/lvm lvs --noheadings --options=thin_count vg_d1/tp_"+id,
			"/usr/sbin/lvm vgdisplay -c vg_d1")
		if _, err := f.Run(context.Background(), "n1", cmds[:10], time.Minute); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			b.StopTimer()
			f.ResetCommands()
			b.StartTimer()
		}
	}
}

func TestCommandLogLimit(t *testing.T) {
	f := New(Options{LogLimit: 10})
	f.AddNode("n1", "")
	for i := 0; i < 25; i++ {
		mustRun(t, f, "n1", fmt.Sprintf("echo %d", i))
	}
	recs := f.Commands()
	if len(recs) > 10 || recs[len(recs)-1].Command != "echo 24" {
		t.Errorf("log kept %d records, last %q", len(recs), recs[len(recs)-1].Command)
	}
}

func TestSeedMakesIDsRepeatable(t *testing.T) {
	run := func(seed uint64) string {
		f := New(Options{Seed: seed})
		f.AddNode("n1", "").AddDisk("/dev/sdb", 10<<20)
		res := mustRun(t, f, "n1", deviceSetupCmds("d1", "/dev/sdb")...)
		return res[2].Stdout + res[4].Stdout
	}
	if a, b := run(7), run(7); a != b {
		t.Errorf("same seed, different ids:\n%s\n%s", a, b)
	}
	if a, b := run(7), run(8); a == b {
		t.Error("different seeds gave the same ids")
	}
}

func TestFaultHold(t *testing.T) {
	f := New(Options{})
	f.AddNode("n1", "")
	gate := make(chan struct{})
	f.Inject(Fault{Match: "mkdir", Hold: gate})
	done := make(chan error, 1)
	go func() {
		_, err := f.Run(context.Background(), "n1", []string{"mkdir -p /x"}, 0)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("held command returned before the gate opened: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	if dirExists(f, "n1", "/x") {
		t.Fatal("held command already changed the model")
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatalf("released command: %v", err)
	}
	if !dirExists(f, "n1", "/x") {
		t.Error("released command did not run")
	}

	ctx, cancel := context.WithCancel(context.Background())
	f.Inject(Fault{Match: "touch", Hold: make(chan struct{})})
	go cancel()
	if _, err := f.Run(ctx, "n1", []string{"touch /y"}, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestFaultReached(t *testing.T) {
	f := New(Options{})
	f.AddNode("n1", "")
	gate := make(chan struct{})
	reached := make(chan struct{})
	f.Inject(Fault{Match: "mkdir", Hold: gate, Reached: reached})
	done := make(chan error, 1)
	go func() {
		_, err := f.Run(context.Background(), "n1", []string{"true", "mkdir -p /x"}, 0)
		done <- err
	}()
	select {
	case <-reached:
	case err := <-done:
		t.Fatalf("command returned without signalling Reached: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Reached not signalled within 10s")
	}
	// Reached comes before the Hold: the command is still waiting.
	if dirExists(f, "n1", "/x") {
		t.Fatal("command ran before its Hold was released")
	}
	close(gate)
	if err := <-done; err != nil || !dirExists(f, "n1", "/x") {
		t.Fatalf("released command: err %v, ran %v", err, dirExists(f, "n1", "/x"))
	}

	// Nobody receiving: the end of the context ends the wait.
	ctx, cancel := context.WithCancel(context.Background())
	f.Inject(Fault{Match: "touch", Delay: time.Hour, Reached: make(chan struct{})})
	go cancel()
	if _, err := f.Run(ctx, "n1", []string{"touch /y"}, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
