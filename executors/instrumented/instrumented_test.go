package instrumented

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/fakeexec"
)

func TestProgram(t *testing.T) {
	for _, tc := range []struct{ cmd, want string }{
		{"/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize 12K -L 1G -T vg_x/tp_y", "lvcreate"},
		{"/usr/local/bin/lvm-in-host /usr/sbin/lvm pvs --noheadings", "pvs"},
		{"/usr/local/bin/lvm-in-host /usr/bin/udevadm info --query=symlink --name=/dev/vdb", "udevadm"},
		{"/usr/bin/udevadm info --query=symlink --name=/dev/vdb", "udevadm"},
		{"gluster --mode=script --timeout=600 volume create vol_1 replica 3", "gluster"},
		{"gluster-block create vol/blk ha 3", "gluster-block"},
		{"mkfs.xfs -i size=512 -n size=8192 /dev/mapper/vg_x-brick_y", "mkfs.xfs"},
		{"systemctl status glusterd", "systemctl"},
		{"sudo systemctl status glusterd", "systemctl"},
		{"timeout 600 gluster peer status", "gluster"},
		{"LANG=C /usr/sbin/lvm vgs", "vgs"},
		{`awk "BEGIN {print \"x\"}" >> /etc/fstab`, "awk"},
		{"", "other"},
		{"'weird name' x", "other"},
	} {
		t.Run(tc.want+":"+tc.cmd, func(t *testing.T) {
			if got := Program(tc.cmd); got != tc.want {
				t.Errorf("Program(%q): expected %q, got %q", tc.cmd, tc.want, got)
			}
		})
	}
}

func TestBatchProgram(t *testing.T) {
	for _, tc := range []struct {
		cmds []string
		want string
	}{
		{[]string{"mkdir -p /m/brick_1", "/usr/sbin/lvm lvcreate -T vg/tp", "mkfs.xfs /dev/x", `awk "BEGIN" >> /etc/fstab`}, "lvcreate"},
		{[]string{"gluster --mode=script volume create v", "gluster --mode=script volume start v"}, "gluster"},
		{[]string{"mkdir -p /a", "chmod 2775 /a"}, "mkdir"},
		{nil, "other"},
	} {
		if got := BatchProgram(tc.cmds); got != tc.want {
			t.Errorf("BatchProgram(%q): expected %q, got %q", tc.cmds, tc.want, got)
		}
	}
}

type observation struct {
	command, host string
	d             time.Duration
}

type recorder struct {
	mu  sync.Mutex
	obs []observation
}

func (r *recorder) ObserveCommand(command, host string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, observation{command, host, d})
}

func TestRunObservesEveryCallWithItsOutcomePassedThrough(t *testing.T) {
	fake := fakeexec.New(fakeexec.Options{AutoNodes: true, Latency: 20 * time.Millisecond})
	fake.Inject(fakeexec.Fault{Match: "^gluster", ExitStatus: 1, Stderr: "boom"})
	rec := &recorder{}
	tr := New(fake, rec)
	ctx := context.Background()

	res, err := tr.Run(ctx, "h1", []string{"systemctl status glusterd"}, time.Minute)
	if err != nil || len(res) != 1 {
		t.Fatalf("systemctl: expected one result and no error, got %v, %v", res, err)
	}
	_, err = tr.Run(ctx, "h2", []string{"gluster --mode=script peer status"}, time.Minute)
	var ce *executors.CommandError
	if !errors.As(err, &ce) || ce.Error() != "boom" {
		t.Fatalf("gluster: expected the fake's CommandError %q, got %v", "boom", err)
	}
	if _, err := tr.Run(ctx, "h1", nil, time.Minute); err != nil {
		t.Fatalf("empty batch: %v", err)
	}

	if len(rec.obs) != 2 {
		t.Fatalf("expected 2 observations (none for an empty batch), got %+v", rec.obs)
	}
	for i, want := range []observation{{"systemctl", "h1", 0}, {"gluster", "h2", 0}} {
		got := rec.obs[i]
		if got.command != want.command || got.host != want.host {
			t.Errorf("observation %d: expected %s on %s, got %s on %s", i, want.command, want.host, got.command, got.host)
		}
		if got.d < 20*time.Millisecond {
			t.Errorf("observation %d: expected at least the fake's 20ms latency, got %v", i, got.d)
		}
	}
}
