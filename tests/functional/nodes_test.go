package functional

import (
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

func nodeBody(cluster string, zone int, manage, storage []string) map[string]any {
	return map[string]any{"cluster": cluster, "zone": zone, "hostnames": map[string][]string{"manage": manage, "storage": storage}}
}

func TestNodeAddValidation(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	h := []string{"n1.example.com"}
	s := []string{"10.0.0.1"}
	cases := []struct {
		name   string
		body   any
		status int
		text   string
	}{
		{"empty body", nil, 422, "request unable to be parsed"},
		{"zone blank", nodeBody(c, 0, h, s), 400, "validation failed: zone: cannot be blank."},
		{"zone negative", nodeBody(c, -1, h, s), 400, "validation failed: zone: must be no less than 1."},
		{"bad manage hostnames", nodeBody(c, 1, []string{"x y"}, s), 400, "validation failed: hostnames: (manage: [x y] is not a valid manage hostname.)."},
		{"missing storage", nodeBody(c, 1, h, nil), 400, "validation failed: hostnames: (storage: cannot be blank.)."},
		{"bad cluster id", nodeBody("xyz", 1, h, s), 400, "validation failed: cluster: xyz is not a valid UUID."},
		{"missing cluster", nodeBody("", 1, h, s), 400, "validation failed: cluster: cannot be blank."},
		{"several fields sorted", nodeBody("xyz", 0, h, s), 400, "validation failed: cluster: xyz is not a valid UUID; zone: cannot be blank."},
		{"long tag value", map[string]any{"cluster": c, "zone": 1, "hostnames": map[string][]string{"manage": h, "storage": s},
			"tags": map[string]string{"k": strings.Repeat("v", 65)}}, 400, "validation failed: tags: value of tag k: the length must be no more than 64."},
		{"bad tag name", map[string]any{"cluster": c, "zone": 1, "hostnames": map[string][]string{"manage": h, "storage": s},
			"tags": map[string]string{"a b": "v"}}, 400, "validation failed: tags: invalid characters in tag name a b."},
		{"unknown cluster", nodeBody("0123456789abcdef0123456789abcdef", 1, h, s), 404, "Cluster id does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.name, e.do("POST", "/nodes", tc.body), tc.status, tc.text+"\n")
		})
	}
}

func TestNodeAddProbesAndInfo(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()

	tagged := nodeBody(c, 1, []string{"n1.example.com"}, []string{"10.0.0.1"})
	tagged["tags"] = map[string]string{"rack": "r1"}
	r := e.wait(e.do("POST", "/nodes", tagged))
	if r.status != http.StatusSeeOther {
		t.Fatalf("node add: expected 303, got %d %q", r.status, r.body)
	}
	n1 := strings.TrimPrefix(r.header.Get("Location"), "/nodes/")
	want := `{"zone":1,"hostnames":{"manage":["n1.example.com"],"storage":["10.0.0.1"]},"cluster":"` + c +
		`","tags":{"rack":"r1"},"id":"` + n1 + `","state":"online","devices":[]}` + "\n"
	expect(t, "node info", e.do("GET", "/nodes/"+n1, nil), 200, want)
	if got := e.fake.CommandLines("n1.example.com"); len(got) != 1 || got[0] != "systemctl status glusterd" {
		t.Fatalf("first node: expected only a glusterd check, got %q", got)
	}

	e.fake.ResetCommands()
	n2 := e.mustAddNode(c, "n2.example.com", "10.0.0.2", 2)
	got := e.fake.CommandLines("n1.example.com")
	wantCmds := []string{
		"systemctl status glusterd", // synchronous check in the request
		"systemctl status glusterd", // the job re-verifies the prober under the pool lock
		"gluster --mode=script --timeout=600 peer probe 10.0.0.2",
	}
	if strings.Join(got, "\n") != strings.Join(wantCmds, "\n") {
		t.Fatalf("second node: expected on n1\n%s\ngot\n%s", strings.Join(wantCmds, "\n"), strings.Join(got, "\n"))
	}
	if peers := e.fake.Node("n1.example.com").Snapshot().Peers; !contains(peers, "10.0.0.2") {
		t.Errorf("expected n1's trusted pool to contain 10.0.0.2, got %v", peers)
	}
	if info := e.do("GET", "/clusters/"+c, nil); !strings.Contains(info.body, `"nodes":["`) || !strings.Contains(info.body, n1) || !strings.Contains(info.body, n2) {
		t.Errorf("cluster info should list both nodes, got %s", info.body)
	}

	// Duplicate manage or storage hostname: 409 with Heketi's embedded newline.
	expect(t, "duplicate manage", e.do("POST", "/nodes", nodeBody(c, 1, []string{"n1.example.com"}, []string{"10.0.0.9"})), 409,
		"Hostname n1.example.com already used by node with id "+n1+"\n\n")
	expect(t, "duplicate storage", e.do("POST", "/nodes", nodeBody(c, 1, []string{"n9.example.com"}, []string{"10.0.0.2"})), 409,
		"Hostname 10.0.0.2 already used by node with id "+n2+"\n\n")
	expect(t, "missing node", e.do("GET", "/nodes/0123456789abcdef0123456789abcdef", nil), 404, "Id not found\n")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestNodeAddGlusterdDown(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	e.fake.AddNode("down.example.com", "10.0.1.1").SetGlusterd(false)
	expect(t, "first node down", e.do("POST", "/nodes", nodeBody(c, 1, []string{"down.example.com"}, []string{"10.0.1.1"})), 400,
		"New Node doesn't have glusterd running\n")
	// The refused node left no registration behind.
	e.fake.Node("down.example.com").SetGlusterd(true)
	n1 := e.mustAddNode(c, "down.example.com", "10.0.1.1", 1)

	e.fake.Node("down.example.com").SetGlusterd(false)
	expect(t, "no member up", e.do("POST", "/nodes", nodeBody(c, 2, []string{"n2.example.com"}, []string{"10.0.1.2"})), 400,
		"None of the nodes in cluster has glusterd running\n")
	if info := e.do("GET", "/clusters/"+c, nil); !strings.Contains(info.body, `"nodes":["`+n1+`"]`) {
		t.Errorf("expected only %s in the cluster, got %s", n1, info.body)
	}
}

func TestNodeAddProbeFailureRollsBack(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	remove := e.fake.Inject(fakeexec.Fault{Match: "peer probe", ExitStatus: 1, Stderr: "peer probe: failed: Probe returned with Transport endpoint is not connected"})
	r := e.wait(e.do("POST", "/nodes", nodeBody(c, 2, []string{"n2.example.com"}, []string{"10.0.0.2"})))
	expect(t, "probe failure", r, 500, "peer probe: failed: Probe returned with Transport endpoint is not connected\n")
	// The hostname registration is gone, and so is the hidden node.
	var ci struct{ Nodes []string }
	decodeJSON(t, e.do("GET", "/clusters/"+c, nil), &ci)
	if len(ci.Nodes) != 1 {
		t.Fatalf("expected 1 node after failed add, got %v", ci.Nodes)
	}
	remove()
	e.mustAddNode(c, "n2.example.com", "10.0.0.2", 2)
}

func TestPendingPollsShowXPending(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	// Hold the second node's peer probe (the job's only node command) so
	// the job is certainly in flight when it is polled, however slow or
	// fast the machine is.
	gate := make(chan struct{})
	remove := e.fake.Inject(fakeexec.Fault{Match: "peer probe", Hold: gate})
	defer remove()
	r := e.do("POST", "/nodes", nodeBody(c, 2, []string{"n2.example.com"}, []string{"10.0.0.2"}))
	if r.status != 202 || r.body != "" || r.header.Get("Content-Type") != "" {
		close(gate)
		t.Fatalf("expected bare 202, got %d %q content-type %q", r.status, r.body, r.header.Get("Content-Type"))
	}
	loc := r.header.Get("Location")
	p := e.do("GET", loc, nil)
	close(gate)
	if p.status != 200 || p.header.Get("X-Pending") != "true" || p.body != "" {
		t.Fatalf("expected pending 200 with X-Pending, got %d %q %q", p.status, p.header.Get("X-Pending"), p.body)
	}
	final := e.wait(r)
	if final.status != 303 || !strings.HasPrefix(final.body, `<a href="/nodes/`) {
		t.Fatalf("expected 303 with anchor body, got %d %q", final.status, final.body)
	}
}

func TestNodeStateAndDelete(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n1 := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	n2 := e.mustAddNode(c, "n2.example.com", "10.0.0.2", 2)
	d := e.mustAddDevice(n2, "/dev/sdb")

	state := func(id, s string) response {
		return e.wait(e.do("POST", "/nodes/"+id+"/state", map[string]string{"state": s}))
	}
	expect(t, "bad state", e.do("POST", "/nodes/"+n2+"/state", `{"state":"bogus"}`), 400, "validation failed: state: bogus is not valid state.\n")
	expect(t, "state missing node", e.do("POST", "/nodes/0123456789abcdef0123456789abcdef/state", `{"state":"online"}`), 404, "Id not found\n")
	expect(t, "online->failed", state(n2, "failed"), 500, "Node must be offline before remove operation is performed, node:"+n2+"\n")
	expect(t, "online->offline", state(n2, "offline"), 204, "")
	if got := e.nodeInfo(n2).State; got != "offline" {
		t.Fatalf("expected offline, got %s", got)
	}
	expect(t, "offline->online", state(n2, "online"), 204, "")
	expect(t, "online->offline again", state(n2, "offline"), 204, "")
	expect(t, "offline->failed", state(n2, "failed"), 204, "")
	info := e.nodeInfo(n2)
	if info.State != "failed" || info.Devices[0].State != "failed" {
		t.Fatalf("node remove should fail the node and its devices, got node %s device %s", info.State, info.Devices[0].State)
	}
	expect(t, "failed->online", state(n2, "online"), 500, "Cannot move a failed/removed node to online state\n")
	expect(t, "failed->offline", state(n2, "offline"), 500, "Cannot move a failed/removed node to offline state\n")

	expect(t, "delete with devices", e.do("DELETE", "/nodes/"+n2, nil), 409, "Unable to delete node ["+n2+"] because it contains devices\n")
	expect(t, "delete device", e.wait(e.do("DELETE", "/devices/"+d, nil)), 204, "")

	e.fake.ResetCommands()
	expect(t, "delete node", e.wait(e.do("DELETE", "/nodes/"+n2, nil)), 204, "")
	if got := e.fake.CommandLines("n1.example.com"); !contains(got, "gluster --mode=script --timeout=600 peer detach 10.0.0.2") {
		t.Fatalf("expected peer detach of 10.0.0.2 on n1, got %q", got)
	}
	expect(t, "node gone", e.do("GET", "/nodes/"+n2, nil), 404, "Id not found\n")
	// Its hostnames are free again.
	e.mustAddNode(c, "n2.example.com", "10.0.0.2", 2)
	_ = n1
}

func TestNodeTags(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	tags := func(body string) response { return e.do("POST", "/nodes/"+n+"/tags", body) }
	expect(t, "set", tags(`{"change_type":"set","tags":{"a":"1","b":"2"}}`), 200, `{"a":"1","b":"2"}`+"\n")
	expect(t, "update", tags(`{"change_type":"update","tags":{"b":"3","c":"4"}}`), 200, `{"a":"1","b":"3","c":"4"}`+"\n")
	expect(t, "delete", tags(`{"change_type":"delete","tags":{"a":"","c":"x"}}`), 200, `{"b":"3"}`+"\n")
	expect(t, "delete all", tags(`{"change_type":"set","tags":{}}`), 200, "{}\n")
	expect(t, "bad change", tags(`{"change_type":"merge","tags":{}}`), 400, "validation failed: change_type: must be a valid value.\n")
	expect(t, "missing node", e.do("POST", "/nodes/0123456789abcdef0123456789abcdef/tags", `{"change_type":"set","tags":{}}`), 404, "Id not found\n")
	if info := e.nodeInfo(n); info.Tags != nil {
		t.Errorf("expected no tags key in node info, got %v", info.Tags)
	}
}
