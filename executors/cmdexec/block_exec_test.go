package cmdexec

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/executors"
)

func blockReply(exit int, stdout string) reply {
	return reply{res: executors.Result{Stdout: stdout + "\n", ExitStatus: exit}}
}

func TestBlockVolumeCreate(t *testing.T) {
	cfg := DefaultConfig()
	req := executors.BlockVolumeRequest{HostingVolume: "vol_h", Name: "blockvol_x", SizeGiB: 1, Hosts: []string{"10.0.0.4", "10.0.0.2", "10.0.0.3"}}
	want := "gluster-block create vol_h/blockvol_x ha 3 auth disable prealloc full 10.0.0.4,10.0.0.2,10.0.0.3 1GiB --json"

	t.Run("success", func(t *testing.T) {
		rec := newRecorder().on(want, blockReply(0, syntheticBlockCreateOK))
		info, err := New(rec, cfg, nil).BlockVolumeCreate(context.Background(), "node1.mgmt", req)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if info.IQN != "iqn.2016-12.org.gluster-block:3c5b3e1a-1d2f-4e5a-9b8c-7d6e5f4a3b2c" || info.Password == "" || len(info.Portals) != 3 {
			t.Fatalf("unexpected target %+v", info)
		}
		if got := rec.lines(); !slices.Equal(got, onHost("node1.mgmt", BlockTimeout, want)) {
			t.Fatalf("commands: expected %q, got %q", want, got)
		}
	})
	t.Run("RESULT FAIL", func(t *testing.T) {
		rec := newRecorder().on(want, blockReply(17, syntheticBlockCreateFail))
		_, err := New(rec, cfg, nil).BlockVolumeCreate(context.Background(), "node1.mgmt", req)
		if err == nil || err.Error() != "Failed to create block volume: BLOCK with name: 'blockvol_x' already EXIST" {
			t.Fatalf("expected Heketi's create failure text, got %v", err)
		}
	})
	t.Run("not gluster-block output", func(t *testing.T) {
		rec := newRecorder().on(want, reply{res: executors.Result{Stderr: "bash: gluster-block: command not found", ExitStatus: 127}})
		_, err := New(rec, cfg, nil).BlockVolumeCreate(context.Background(), "node1.mgmt", req)
		if err == nil || err.Error() != "bash: gluster-block: command not found" {
			t.Fatalf("expected the command's stderr, got %v", err)
		}
	})
	t.Run("prealloc and auth", func(t *testing.T) {
		authReq := req
		authReq.Auth, authReq.Prealloc, authReq.Hosts = true, "no", req.Hosts[:2]
		authCmd := "gluster-block create vol_h/blockvol_x ha 2 auth enable prealloc no 10.0.0.4,10.0.0.2 1GiB --json"
		rec := newRecorder().on(authCmd, blockReply(0, syntheticBlockCreateOK))
		var buf bytes.Buffer
		l := logrus.New()
		l.SetOutput(&buf)
		l.SetLevel(logrus.DebugLevel)
		info, err := New(rec, cfg, logrus.NewEntry(l)).BlockVolumeCreate(context.Background(), "node1.mgmt", authReq)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if info.Username == "" || info.Password == "" {
			t.Fatalf("expected CHAP credentials, got %+v", info)
		}
		if strings.Contains(buf.String(), info.Password) {
			t.Fatalf("the CHAP secret must not be logged:\n%s", buf.String())
		}
		if got := rec.lines(); !slices.Equal(got, onHost("node1.mgmt", BlockTimeout, authCmd)) {
			t.Fatalf("commands: expected %q, got %q", authCmd, got)
		}
	})
}

func TestBlockVolumeDestroy(t *testing.T) {
	cfg := DefaultConfig()
	want := "gluster-block delete vol_h/blockvol_x --json"
	cases := []struct {
		name  string
		reply reply
		err   string
	}{
		{"deleted", blockReply(0, `{ "SUCCESSFUL ON":[ "10.0.0.4" ], "RESULT":"SUCCESS" }`), ""},
		{"doesn't exist", blockReply(2, syntheticBlockDeleteGone), ""},
		{"does not exist", blockReply(2, `{ "RESULT":"FAIL", "errCode":2, "errMsg":"block vol_h/blockvol_x does not exist" }`), ""},
		{"other failure", blockReply(5, `{ "RESULT":"FAIL", "errCode":5, "errMsg":"volume vol_h is not started" }`), "volume vol_h is not started"},
		{"unreachable", reply{err: errors.New("ssh: connection refused")}, "ssh: connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder().on(want, tc.reply)
			err := New(rec, cfg, nil).BlockVolumeDestroy(context.Background(), "node1.mgmt", "vol_h", "blockvol_x")
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("expected success, got %v", err)
			case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
				t.Fatalf("expected an error starting %q, got %v", tc.err, err)
			}
			if got := rec.lines(); !slices.Equal(got, onHost("node1.mgmt", BlockTimeout, want)) {
				t.Fatalf("commands: expected %q, got %q", want, got)
			}
		})
	}
}

func TestBlockVolumeExpandAndSize(t *testing.T) {
	cfg := DefaultConfig()
	modify := "gluster-block modify vol_h/blockvol_x  size 2GiB --json"
	info := "gluster-block info vol_h/blockvol_x --json"
	rec := newRecorder().on(modify, blockReply(0, syntheticBlockModifyOK)).on(info, blockReply(0, syntheticBlockInfo))
	e := New(rec, cfg, nil)
	if err := e.BlockVolumeExpand(context.Background(), "node1.mgmt", "vol_h", "blockvol_x", 2); err != nil {
		t.Fatalf("expand: %v", err)
	}
	size, exists, err := e.BlockVolumeSize(context.Background(), "node1.mgmt", "vol_h", "blockvol_x")
	if err != nil || !exists || size != 1<<30 {
		t.Fatalf("size: expected 1 GiB, got %d %v %v", size, exists, err)
	}
	if got := rec.lines(); !slices.Equal(got, onHost("node1.mgmt", BlockTimeout, modify, info)) {
		t.Fatalf("commands: %q", got)
	}

	rec = newRecorder().on(modify, blockReply(5, `{ "RESULT":"FAIL", "errCode":5, "errMsg":"resize failed on 10.0.0.3" }`)).
		on(info, blockReply(2, syntheticBlockDeleteGone))
	e = New(rec, cfg, nil)
	if err := e.BlockVolumeExpand(context.Background(), "node1.mgmt", "vol_h", "blockvol_x", 2); err == nil || !strings.HasPrefix(err.Error(), "resize failed on 10.0.0.3") {
		t.Fatalf("expand failure: expected gluster-block's errMsg, got %v", err)
	}
	if _, exists, err := e.BlockVolumeSize(context.Background(), "node1.mgmt", "vol_h", "blockvol_x"); err != nil || exists {
		t.Fatalf("info of a missing block volume: expected exists=false, got %v %v", exists, err)
	}
}
