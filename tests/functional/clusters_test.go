package functional

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestHelloAndRouting(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/hello", nil)
	expect(t, "hello", r, 200, "Hello from Heketi")
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("hello content type: expected text/plain; charset=UTF-8, got %q", ct)
	}

	cases := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"unknown path", "GET", "/nope", 404, "Invalid path or request\n"},
		{"non-hex id", "GET", "/clusters/xyz", 404, "Invalid path or request\n"},
		{"unknown queue id", "GET", "/queue/0123456789abcdef0123456789abcdef", 404, "Id not found\n"},
		{"wrong method", "PUT", "/clusters", 405, ""},
		{"wrong method on id", "PATCH", "/nodes/0123456789abcdef0123456789abcdef", 405, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, c.method+" "+c.path, e.do(c.method, c.path, nil), c.status, c.body)
		})
	}
	t.Run("trailing slash redirects", func(t *testing.T) {
		r := e.do("GET", "/clusters/", nil)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/clusters" {
			t.Fatalf("expected 301 to /clusters, got %d %q", r.status, r.header.Get("Location"))
		}
	})
	t.Run("errors are text/plain", func(t *testing.T) {
		r := e.do("GET", "/clusters/0123456789abcdef0123456789abcdef", nil)
		expect(t, "missing cluster", r, 404, "Id not found\n")
		if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("error content type: expected text/plain; charset=utf-8, got %q", ct)
		}
		if r.header.Get("X-Request-Id") == "" {
			t.Error("expected an X-Request-Id header on every API response")
		}
	})
}

var idRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestClusterLifecycle(t *testing.T) {
	e := newEnv(t)

	expect(t, "empty list", e.do("GET", "/clusters", nil), 200, "{\"clusters\":[]}\n")
	expect(t, "empty body", e.do("POST", "/clusters", nil), 422, "request unable to be parsed\n")
	expect(t, "bad json", e.do("POST", "/clusters", "{"), 422, "request unable to be parsed\n")
	expect(t, "wrong type", e.do("POST", "/clusters", `{"block":"yes"}`), 422, "request unable to be parsed\n")

	// {} creates a cluster with both flags false (Heketi's code, not its docs).
	r := e.do("POST", "/clusters", "{}")
	if r.status != 201 {
		t.Fatalf("create: expected 201, got %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		t.Errorf("create content type: got %q", ct)
	}
	var c struct{ ID string }
	decodeJSON(t, r, &c)
	if !idRe.MatchString(c.ID) {
		t.Fatalf("cluster id %q is not 32 lowercase hex", c.ID)
	}
	want := `{"id":"` + c.ID + `","nodes":[],"volumes":[],"block":false,"file":false,"blockvolumes":[]}` + "\n"
	expect(t, "create body", r, 201, want)
	expect(t, "info", e.do("GET", "/clusters/"+c.ID, nil), 200, want)

	// Case-insensitive keys, unknown keys ignored.
	r2 := e.do("POST", "/clusters", `{"BLOCK":true,"File":true,"extra":1}`)
	var c2 struct {
		ID          string
		Block, File bool
	}
	decodeJSON(t, r2, &c2)
	if !c2.Block || !c2.File {
		t.Fatalf("expected case-insensitive flags to be true, got %+v", c2)
	}

	ids := []string{c.ID, c2.ID}
	sort.Strings(ids)
	expect(t, "list sorted", e.do("GET", "/clusters", nil), 200, `{"clusters":["`+ids[0]+`","`+ids[1]+`"]}`+"\n")

	// Flags: 200, JSON content type, empty body; both flags overwritten.
	f := e.do("POST", "/clusters/"+c2.ID+"/flags", `{"block":true}`)
	expect(t, "set flags", f, 200, "")
	if ct := f.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		t.Errorf("set flags content type: got %q", ct)
	}
	if info := e.do("GET", "/clusters/"+c2.ID, nil); !strings.Contains(info.body, `"block":true,"file":false`) {
		t.Errorf("expected block true, file false after set flags, got %s", info.body)
	}
	expect(t, "flags missing cluster", e.do("POST", "/clusters/0123456789abcdef0123456789abcdef/flags", "{}"), 404, "Id not found\n")
	expect(t, "flags empty body", e.do("POST", "/clusters/"+c2.ID+"/flags", nil), 422, "request unable to be parsed\n")

	// Delete: 200 empty; a cluster with nodes is refused.
	n := e.mustAddNode(c2.ID, "n1.example.com", "10.0.0.1", 1)
	expect(t, "delete non-empty", e.do("DELETE", "/clusters/"+c2.ID, nil), 409,
		"Unable to delete cluster ["+c2.ID+"] because it contains volumes and/or nodes\n")
	expect(t, "delete", e.do("DELETE", "/clusters/"+c.ID, nil), 200, "")
	expect(t, "delete again", e.do("DELETE", "/clusters/"+c.ID, nil), 404, "Id not found\n")
	expect(t, "info after delete", e.do("GET", "/clusters/"+c.ID, nil), 404, "Id not found\n")
	if info := e.do("GET", "/clusters/"+c2.ID, nil); !strings.Contains(info.body, `"nodes":["`+n+`"]`) {
		t.Errorf("expected node %s in cluster info, got %s", n, info.body)
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	d := e.mustAddDevice(n, "/dev/sdb")
	before := e.do("GET", "/nodes/"+n, nil)
	clusterBefore := e.do("GET", "/clusters/"+c, nil)

	e.restart()

	expect(t, "node info after restart", e.do("GET", "/nodes/"+n, nil), 200, before.body)
	expect(t, "cluster info after restart", e.do("GET", "/clusters/"+c, nil), 200, clusterBefore.body)
	if r := e.do("GET", "/devices/"+d, nil); r.status != 200 {
		t.Fatalf("device info after restart: %d %q", r.status, r.body)
	}
	// A duplicate hostname is still refused: the index survived too.
	body := map[string]any{"cluster": c, "zone": 1, "hostnames": map[string][]string{"manage": {"n1.example.com"}, "storage": {"10.9.9.9"}}}
	expect(t, "duplicate after restart", e.do("POST", "/nodes", body), 409, "Hostname n1.example.com already used by node with id "+n+"\n\n")
}
