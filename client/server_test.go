package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/client"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/async"
	"github.com/basalt-storage/basalt/server/middleware"
)

// startServer runs the real Basalt stack in process (bbolt file in a temp
// directory, fake storage nodes behind cmdexec) with auth off, and returns
// a client for it.
func startServer(t *testing.T, latency time.Duration) *client.Client {
	t.Helper()
	url := startStack(t, latency, nil)
	c, err := client.NewNoAuth(url, fastOpts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fastOpts keep polls and retries short in tests.
var fastOpts = []client.Option{client.WithPollDelay(2 * time.Millisecond), client.WithRetry(2, time.Millisecond, 2*time.Millisecond)}

// startStack starts the server (with auth when auth is not nil) and
// returns its URL.
func startStack(t *testing.T, latency time.Duration, auth *middleware.JWT) string {
	t.Helper()
	log := logrus.New()
	log.SetOutput(io.Discard)
	entry := logrus.NewEntry(log)
	store, err := db.Open(filepath.Join(t.TempDir(), "heketi.db"), db.Options{})
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	fake := fakeexec.New(fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: 10 * 1024 * 1024, Latency: latency})
	app := glusterfs.New(store, cmdexec.New(fake, cmdexec.DefaultConfig(), entry), glusterfs.Options{Log: entry})
	jobs := async.New(async.Options{MaxRunning: 8, Logger: entry})
	srv := httptest.NewServer(server.New(app, jobs, server.Options{Log: entry, Auth: auth}).Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = jobs.Shutdown(context.Background())
		_ = store.Close()
	})
	return srv.URL
}

// wantError checks that err is a *client.Error with the given status and text.
func wantError(t *testing.T, what string, err error, status int, text string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != status || e.Message != text {
		t.Fatalf("%s: expected *client.Error %d %q, got %#v", what, status, text, err)
	}
}

// TestRealServerLifecycle drives a cluster, node and device through their
// whole life against the real server, including async polling and tags.
func TestRealServerLifecycle(t *testing.T) {
	c := startServer(t, 20*time.Millisecond)
	ctx := t.Context()

	if err := c.Hello(ctx); err != nil {
		t.Fatalf("hello: %v", err)
	}
	cl, err := c.ClusterCreate(ctx, &api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: true, File: true}})
	if err != nil {
		t.Fatalf("cluster create: %v", err)
	}
	if len(cl.ID) != 32 || !cl.Block || !cl.File || cl.Nodes == nil || cl.Volumes == nil {
		t.Fatalf("cluster create: expected a 32-hex id, both flags and empty lists, got %+v", cl)
	}
	list, err := c.ClusterList(ctx)
	if err != nil || len(list.Clusters) != 1 || list.Clusters[0] != cl.ID {
		t.Fatalf("cluster list: expected [%s], got %+v, %v", cl.ID, list, err)
	}
	if err := c.ClusterSetFlags(ctx, cl.ID, &api.ClusterSetFlagsRequest{ClusterFlags: api.ClusterFlags{File: true}}); err != nil {
		t.Fatalf("cluster set flags: %v", err)
	}
	if info, err := c.ClusterInfo(ctx, cl.ID); err != nil || info.Block || !info.File {
		t.Fatalf("cluster info after set flags: expected block false, file true, got %+v, %v", info, err)
	}

	var nodes []*api.NodeInfoResponse
	for i, host := range []string{"n1.example.com", "n2.example.com", "n3.example.com"} {
		n, err := c.NodeAdd(ctx, &api.NodeAddRequest{
			Zone: i + 1, ClusterID: cl.ID,
			Hostnames: api.HostAddresses{Manage: []string{host}, Storage: []string{"10.0.0." + string(rune('1'+i))}},
			Tags:      map[string]string{"rack": "r1"},
		})
		if err != nil {
			t.Fatalf("node add %s: %v", host, err)
		}
		if n.Hostnames.Manage[0] != host || n.ClusterID != cl.ID || n.State != api.EntryStateOnline || n.Tags["rack"] != "r1" {
			t.Fatalf("node add %s: unexpected node %+v", host, n)
		}
		nodes = append(nodes, n)
	}
	_, err = c.NodeAdd(ctx, &api.NodeAddRequest{Zone: 1, ClusterID: cl.ID,
		Hostnames: api.HostAddresses{Manage: []string{"n1.example.com"}, Storage: []string{"10.0.0.9"}}})
	if client.StatusCode(err) != http.StatusConflict || !strings.HasPrefix(err.Error(), "Hostname n1.example.com already used by node with id ") {
		t.Fatalf("duplicate node: expected 409 Hostname ... already used, got %v", err)
	}

	n1 := nodes[0].ID
	if err := c.NodeSetTags(ctx, n1, &api.TagsChangeRequest{Change: api.UpdateTags, Tags: map[string]string{"zone": "a"}}); err != nil {
		t.Fatalf("node tags: %v", err)
	}
	if err := c.NodeSetTags(ctx, n1, &api.TagsChangeRequest{Change: api.DeleteTags, Tags: map[string]string{"rack": ""}}); err != nil {
		t.Fatalf("node tags delete: %v", err)
	}
	if n, err := c.NodeInfo(ctx, n1); err != nil || len(n.Tags) != 1 || n.Tags["zone"] != "a" {
		t.Fatalf("node tags: expected {zone:a}, got %+v, %v", n, err)
	}

	if err := c.DeviceAdd(ctx, &api.DeviceAddRequest{Device: api.Device{Name: "/dev/sdb"}, NodeID: n1}); err != nil {
		t.Fatalf("device add: %v", err)
	}
	n, err := c.NodeInfo(ctx, n1)
	if err != nil || len(n.DevicesInfo) != 1 {
		t.Fatalf("node info after device add: expected 1 device, got %+v, %v", n, err)
	}
	dev := n.DevicesInfo[0].ID
	d, err := c.DeviceInfo(ctx, dev)
	if err != nil || d.Name != "/dev/sdb" || d.Storage.Total == 0 || d.State != api.EntryStateOnline {
		t.Fatalf("device info: unexpected %+v, %v", d, err)
	}
	if err := c.DeviceSetTags(ctx, dev, &api.TagsChangeRequest{Change: api.SetTags, Tags: map[string]string{"disk": "ssd"}}); err != nil {
		t.Fatalf("device tags: %v", err)
	}
	if err := c.DeviceResync(ctx, dev); err != nil {
		t.Fatalf("device resync: %v", err)
	}
	err = c.DeviceDelete(ctx, dev)
	wantError(t, "delete online device", err, http.StatusBadRequest, "device: "+dev+" is not in failed state")
	for _, s := range []api.EntryState{api.EntryStateOffline, api.EntryStateFailed} {
		if err := c.DeviceState(ctx, dev, &api.StateRequest{State: s}); err != nil {
			t.Fatalf("device state %s: %v", s, err)
		}
	}
	if err := c.DeviceDeleteWithOptions(ctx, dev, &api.DeviceDeleteOptions{ForceForget: false}); err != nil {
		t.Fatalf("device delete: %v", err)
	}
	_, err = c.DeviceInfo(ctx, dev)
	wantError(t, "deleted device", err, http.StatusNotFound, "Id not found")

	err = c.ClusterDelete(ctx, cl.ID)
	if client.StatusCode(err) != http.StatusConflict {
		t.Fatalf("delete cluster with nodes: expected 409, got %v", err)
	}
	for _, n := range nodes {
		for _, s := range []api.EntryState{api.EntryStateOffline, api.EntryStateOnline} {
			if err := c.NodeState(ctx, n.ID, &api.StateRequest{State: s}); err != nil {
				t.Fatalf("node state %s: %v", s, err)
			}
		}
		if err := c.NodeDelete(ctx, n.ID); err != nil {
			t.Fatalf("node delete: %v", err)
		}
	}
	if err := c.ClusterDelete(ctx, cl.ID); err != nil {
		t.Fatalf("cluster delete: %v", err)
	}
	if list, err := c.ClusterList(ctx); err != nil || len(list.Clusters) != 0 {
		t.Fatalf("cluster list after delete: expected [], got %+v, %v", list, err)
	}
}

// TestRealServerErrors checks that the server's error texts surface as
// *client.Error with the right status.
func TestRealServerErrors(t *testing.T) {
	c := startServer(t, 0)
	ctx := t.Context()
	cl, err := c.ClusterCreate(ctx, &api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: true, File: true}})
	if err != nil {
		t.Fatal(err)
	}
	const missing = "0123456789abcdef0123456789abcdef"
	host := api.HostAddresses{Manage: []string{"n1.example.com"}, Storage: []string{"10.0.0.1"}}
	tests := []struct {
		name   string
		call   func() error
		status int
		text   string
	}{
		{"cluster info", func() error { _, err := c.ClusterInfo(ctx, missing); return err }, 404, "Id not found"},
		{"cluster delete", func() error { return c.ClusterDelete(ctx, missing) }, 404, "Id not found"},
		{"node info", func() error { _, err := c.NodeInfo(ctx, missing); return err }, 404, "Id not found"},
		{"device info", func() error { _, err := c.DeviceInfo(ctx, missing); return err }, 404, "Id not found"},
		{"node add, unknown cluster", func() error {
			_, err := c.NodeAdd(ctx, &api.NodeAddRequest{Zone: 1, ClusterID: missing, Hostnames: host})
			return err
		}, 404, "Cluster id does not exist"},
		{"node add, zone blank", func() error {
			_, err := c.NodeAdd(ctx, &api.NodeAddRequest{ClusterID: cl.ID, Hostnames: host})
			return err
		}, 400, "validation failed: zone: cannot be blank."},
		{"node add, bad cluster id", func() error {
			_, err := c.NodeAdd(ctx, &api.NodeAddRequest{Zone: 1, ClusterID: "xyz", Hostnames: host})
			return err
		}, 400, "validation failed: cluster: xyz is not a valid UUID."},
		{"node add, no body", func() error { _, err := c.NodeAdd(ctx, nil); return err }, 422, "request unable to be parsed"},
		{"device add, unknown node", func() error {
			return c.DeviceAdd(ctx, &api.DeviceAddRequest{Device: api.Device{Name: "/dev/sdb"}, NodeID: missing})
		}, 404, "Node id does not exist"},
		{"node state, bad state", func() error {
			return c.NodeState(ctx, missing, &api.StateRequest{State: "bogus"})
		}, 400, "validation failed: state: bogus is not valid state."},
		{"tags, bad change type", func() error {
			return c.NodeSetTags(ctx, missing, &api.TagsChangeRequest{Change: "swap", Tags: map[string]string{}})
		}, 400, "validation failed: change_type: must be a valid value."},
		{"non-hex id", func() error { _, err := c.ClusterInfo(ctx, "zzz"); return err }, 404, "Invalid path or request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.name, tc.call(), tc.status, tc.text)
		})
	}
}

// TestRealServerTopology checks TopologyInfo against the real server.
func TestRealServerTopology(t *testing.T) {
	c := startServer(t, 0)
	ctx := t.Context()
	cl, err := c.ClusterCreate(ctx, &api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: true, File: true}})
	if err != nil {
		t.Fatal(err)
	}
	for i, host := range []string{"n1.example.com", "n2.example.com"} {
		n, err := c.NodeAdd(ctx, &api.NodeAddRequest{Zone: 1, ClusterID: cl.ID,
			Hostnames: api.HostAddresses{Manage: []string{host}, Storage: []string{"10.0.1." + string(rune('1'+i))}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DeviceAdd(ctx, &api.DeviceAddRequest{Device: api.Device{Name: "/dev/sdb"}, NodeID: n.ID}); err != nil {
			t.Fatal(err)
		}
	}
	topo, err := c.TopologyInfo(ctx)
	if err != nil {
		t.Fatalf("topology: %v", err)
	}
	if len(topo.ClusterList) != 1 || topo.ClusterList[0].ID != cl.ID || len(topo.ClusterList[0].Nodes) != 2 ||
		len(topo.ClusterList[0].Nodes[0].DevicesInfo) != 1 || topo.ClusterList[0].Volumes == nil {
		t.Fatalf("topology: expected one cluster with 2 nodes of 1 device each, got %+v", topo)
	}
}

// TestRealServerVolumes runs the volume calls against the real server once
// its volume routes exist (they are being built; until then it skips).
func TestRealServerVolumes(t *testing.T) {
	c := startServer(t, 0)
	ctx := t.Context()
	cl, err := c.ClusterCreate(ctx, &api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: true, File: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.VolumeList(ctx); client.StatusCode(err) == http.StatusNotFound || client.StatusCode(err) == http.StatusMethodNotAllowed {
		t.Fatalf("server has no volume routes: %v", err)
	}
	for i := range 3 {
		n, err := c.NodeAdd(ctx, &api.NodeAddRequest{Zone: i + 1, ClusterID: cl.ID, Hostnames: api.HostAddresses{
			Manage: []string{"v" + string(rune('1'+i)) + ".example.com"}, Storage: []string{"10.0.2." + string(rune('1'+i))}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DeviceAdd(ctx, &api.DeviceAddRequest{Device: api.Device{Name: "/dev/sdb"}, NodeID: n.ID}); err != nil {
			t.Fatal(err)
		}
	}
	vol, err := c.VolumeCreate(ctx, &api.VolumeCreateRequest{Size: 1,
		Durability: api.VolumeDurabilityInfo{Type: api.DurabilityReplicate, Replicate: api.ReplicaDurability{Replica: 3}}})
	if err != nil {
		t.Fatalf("volume create: %v", err)
	}
	if vol.Size != 1 || vol.Cluster != cl.ID || len(vol.Bricks) != 3 {
		t.Fatalf("volume create: expected 1 GiB on %s with 3 bricks, got %+v", cl.ID, vol)
	}
	if list, err := c.VolumeList(ctx); err != nil || len(list.Volumes) != 1 || list.Volumes[0] != vol.ID {
		t.Fatalf("volume list: expected [%s], got %+v, %v", vol.ID, list, err)
	}
	grown, err := c.VolumeExpand(ctx, vol.ID, &api.VolumeExpandRequest{Size: 1})
	if err != nil || grown.Size != 2 {
		t.Fatalf("volume expand: expected size 2, got %+v, %v", grown, err)
	}
	_, err = c.VolumeExpand(ctx, vol.ID, &api.VolumeExpandRequest{})
	wantError(t, "expand by 0", err, http.StatusBadRequest, "validation failed: expand_size: cannot be blank.")
	if topo, err := c.TopologyInfo(ctx); err != nil || len(topo.ClusterList[0].Volumes) != 1 {
		t.Fatalf("topology: expected the volume listed, got %+v, %v", topo, err)
	}
	if err := c.VolumeDelete(ctx, vol.ID); err != nil {
		t.Fatalf("volume delete: %v", err)
	}
	_, err = c.VolumeInfo(ctx, vol.ID)
	wantError(t, "deleted volume", err, http.StatusNotFound, "Id not found")
}

// TestRealServerAdminAndLogging runs the admin-mode and log-level calls
// against the real server (skipping any route it does not have yet).
func TestRealServerAdminAndLogging(t *testing.T) {
	c := startServer(t, 0)
	ctx := t.Context()
	missing := func(err error) bool {
		return client.StatusCode(err) == http.StatusNotFound || client.StatusCode(err) == http.StatusMethodNotAllowed
	}
	t.Run("admin", func(t *testing.T) {
		st, err := c.AdminStatusGet(ctx)
		if missing(err) {
			t.Fatalf("no /admin route: %v", err)
		}
		if err != nil || st.State != api.AdminStateNormal {
			t.Fatalf("admin get: expected normal, got %+v, %v", st, err)
		}
		if err := c.AdminStatusSet(ctx, &api.AdminStatus{State: api.AdminStateLocal}); err != nil {
			t.Fatalf("admin set: %v", err)
		}
		if st, err := c.AdminStatusGet(ctx); err != nil || st.State != api.AdminStateLocal {
			t.Fatalf("admin get: expected local-client, got %+v, %v", st, err)
		}
		err = c.AdminStatusSet(ctx, &api.AdminStatus{State: "bogus"})
		wantError(t, "bad admin state", err, http.StatusBadRequest, "validation failed: state: must be a valid value.")
	})
	t.Run("logging", func(t *testing.T) {
		ll, err := c.LogLevelGet(ctx)
		if missing(err) {
			t.Fatalf("no /internal/logging route: %v", err)
		}
		if err != nil || ll.LogLevel["glusterfs"] == "" {
			t.Fatalf("log level get: expected a glusterfs level, got %+v, %v", ll, err)
		}
		if err := c.LogLevelSet(ctx, &api.LogLevelInfo{LogLevel: map[string]string{"glusterfs": "debug"}}); err != nil {
			t.Fatalf("log level set: %v", err)
		}
		if ll, err := c.LogLevelGet(ctx); err != nil || ll.LogLevel["glusterfs"] != "debug" {
			t.Fatalf("log level get: expected debug, got %+v, %v", ll, err)
		}
		err = c.LogLevelSet(ctx, &api.LogLevelInfo{LogLevel: map[string]string{"glusterfs": "loud"}})
		wantError(t, "bad level", err, http.StatusUnprocessableEntity, "invalid log level: loud")
	})
}

// TestRealServerAuth runs the client against the real server with its JWT
// middleware on: every hop of an async call (POST, queue poll, redirect
// target) carries a token the server accepts, and refusals surface as 401
// *client.Error with Heketi's texts.
func TestRealServerAuth(t *testing.T) {
	auth, err := middleware.NewJWT(middleware.JWTConfig{AdminKey: "adminsecret", UserKey: "usersecret", IATLeeway: middleware.DefaultIATLeeway})
	if err != nil {
		t.Fatal(err)
	}
	url := startStack(t, 10*time.Millisecond, auth)
	ctx := t.Context()
	mk := func(user, key string) *client.Client {
		c, err := client.New(url, user, key, fastOpts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin := mk("admin", "adminsecret")
	if err := admin.Hello(ctx); err != nil {
		t.Fatalf("hello: %v", err)
	}
	cl, err := admin.ClusterCreate(ctx, &api.ClusterCreateRequest{ClusterFlags: api.ClusterFlags{Block: true, File: true}})
	if err != nil {
		t.Fatalf("cluster create as admin: %v", err)
	}
	n, err := admin.NodeAdd(ctx, &api.NodeAddRequest{Zone: 1, ClusterID: cl.ID,
		Hostnames: api.HostAddresses{Manage: []string{"a1.example.com"}, Storage: []string{"10.0.3.1"}}})
	if err != nil || n.ClusterID != cl.ID {
		t.Fatalf("node add as admin (POST, polls, 303 target): got %+v, %v", n, err)
	}
	if err := admin.DeviceAdd(ctx, &api.DeviceAddRequest{Device: api.Device{Name: "/dev/sdb"}, NodeID: n.ID}); err != nil {
		t.Fatalf("device add as admin: %v", err)
	}
	if topo, err := admin.TopologyInfo(ctx); err != nil || len(topo.ClusterList) != 1 {
		t.Fatalf("topology as admin: got %+v, %v", topo, err)
	}

	noAuth, err := client.NewNoAuth(url, fastOpts...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    *client.Client
		text string
	}{
		{"wrong key", mk("admin", "nope"), "Invalid JWT token: signature is invalid (client and server secrets may not match)"},
		{"unknown issuer", mk("bob", "adminsecret"), "Invalid JWT token: Unknown user"},
		{"user role", mk("user", "usersecret"), "Administrator access required"},
		{"no token", noAuth, "Required authorization token not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.ClusterList(ctx)
			wantError(t, tc.name, err, http.StatusUnauthorized, tc.text)
		})
	}
	if _, err := mk("user", "usersecret").VolumeList(ctx); err != nil {
		t.Fatalf("user may list volumes: %v", err)
	}
}
