package functional

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/db/heketidump"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/internal/idgen"
	"github.com/basalt-storage/basalt/server"
)

// withDBTools replaces the stack's HTTP server by one that also serves the
// database routes (Options.Store), over the same application and jobs.
func withDBTools(e *env) *env {
	e.t.Helper()
	e.srv.Close()
	e.srv = httptest.NewServer(server.New(e.app, e.jobs, server.Options{Log: testLog(), Store: e.store}).Handler())
	return e
}

// newDBToolsEnv starts a stack whose server has the database routes, on the
// database file in dir (created if missing).
func newDBToolsEnv(t *testing.T, dir string) *env {
	t.Helper()
	e := &env{t: t, dir: dir, fake: fakeexec.New(fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: diskKiB})}
	e.start()
	t.Cleanup(e.stop)
	return withDBTools(e)
}

// dbFixture builds a topology of 3 nodes with 2 devices each, a replica-3
// volume, a distribute-only volume and a replica-3 volume with snapshots.
func dbFixture(e *env) (cluster string, nodes, volumes []string) {
	e.t.Helper()
	cluster, nodes = e.topology(3, "/dev/sdb", "/dev/sdc")
	volumes = []string{
		e.mustCreateVolume(`{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}},"gid":2000,"glustervolumeoptions":["performance.rda-cache-limit 10MB"]}`).ID,
		e.mustCreateVolume(`{"size":1,"name":"plain","durability":{"type":"none"}}`).ID,
		e.mustCreateVolume(`{"size":3,"durability":{"type":"replicate","replicate":{"replica":3}},"snapshot":{"enable":true,"factor":1.5}}`).ID,
	}
	return cluster, nodes, volumes
}

var generationRE = regexp.MustCompile(`("DB_GENERATION_ID":\s*\{\s*"Key":\s*"DB_GENERATION_ID",\s*"Value":\s*)"[0-9a-f]*"`)

// withoutGenerationID blanks the generation id of a dump.
func withoutGenerationID(dump string) string {
	return generationRE.ReplaceAllString(dump, `$1"<generation>"`)
}

func TestDBDumpImportRoundTripThroughServer(t *testing.T) {
	e := newDBToolsEnv(t, t.TempDir())
	cluster, nodes, volumes := dbFixture(e)

	dump := e.do("GET", "/db/dump", nil)
	if dump.status != http.StatusOK || dump.header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Fatalf("GET /db/dump: expected 200 application/json, got %d %q: %.200s", dump.status, dump.header.Get("Content-Type"), dump.body)
	}
	if !strings.HasPrefix(dump.body, "{\n    \"clusterentries\": {\n        \"") || !strings.HasSuffix(dump.body, "}\n") {
		t.Fatalf("GET /db/dump: expected 4-space indented JSON starting with clusterentries, got %.200s", dump.body)
	}
	var d heketidump.Dump
	decodeJSON(t, dump, &d)
	if len(d.Clusters) != 1 || len(d.Nodes) != 3 || len(d.Devices) != 6 || len(d.Volumes) != 3 || len(d.Bricks) != 7 {
		t.Fatalf("dump: expected 1 cluster, 3 nodes, 6 devices, 3 volumes and 7 bricks, got %d, %d, %d, %d, %d",
			len(d.Clusters), len(d.Nodes), len(d.Devices), len(d.Volumes), len(d.Bricks))
	}

	// Import into a new file and serve it from a second stack.
	dir2 := t.TempDir()
	store2, err := db.Open(filepath.Join(dir2, "heketi.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store2.Update(func(w db.Writer) error { return heketidump.Import(&d, w) }); err != nil {
		t.Fatalf("import: expected no error, got %v", err)
	}
	if err := store2.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newDBToolsEnv(t, dir2)

	paths := []string{"/clusters", "/clusters/" + cluster, "/volumes", "/db/check"}
	for _, n := range nodes {
		paths = append(paths, "/nodes/"+n)
		for _, dev := range e.nodeInfo(n).Devices {
			paths = append(paths, "/devices/"+dev.ID)
		}
	}
	for _, v := range volumes {
		paths = append(paths, "/volumes/"+v)
	}
	for _, p := range paths {
		a, b := e.do("GET", p, nil), e2.do("GET", p, nil)
		if a.status != http.StatusOK || a.status != b.status || a.body != b.body {
			t.Errorf("GET %s: expected the imported database to answer like the original (200)\noriginal: %d %s\nimported: %d %s",
				p, a.status, a.body, b.status, b.body)
		}
	}
	again := e2.do("GET", "/db/dump", nil)
	if withoutGenerationID(again.body) != withoutGenerationID(dump.body) {
		t.Errorf("export -> import -> export: expected the same dump apart from the generation id\nfirst:\n%s\nsecond:\n%s", dump.body, again.body)
	}
	if again.body == dump.body {
		t.Errorf("expected import to renew DB_GENERATION_ID, got the same one")
	}

	// The imported database keeps duplicate-hostname protection.
	r := e2.do("POST", "/nodes", map[string]any{"cluster": cluster, "zone": 1,
		"hostnames": map[string][]string{"manage": {"n1.example.com"}, "storage": {"10.9.9.9"}}})
	if r.status == http.StatusAccepted {
		r = e2.wait(r)
	}
	if r.status == http.StatusSeeOther || !strings.Contains(r.body, "n1.example.com") {
		t.Errorf("adding a node with an imported node's hostname: expected a refusal naming n1.example.com, got %d %q", r.status, r.body)
	}
}

func TestDBBackupRoute(t *testing.T) {
	e := newDBToolsEnv(t, t.TempDir())
	_, _, volumes := dbFixture(e)

	r := e.do("GET", "/backup/db", nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /backup/db: expected 200, got %d %q", r.status, r.body)
	}
	for k, want := range map[string]string{
		"Content-Type":        "application/octet-stream",
		"Content-Disposition": `attachment; filename="heketi.db"`,
		"Content-Length":      fmt.Sprint(len(r.body)),
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("GET /backup/db header %s: expected %q, got %q", k, want, got)
		}
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, []byte(r.body), 0o600); err != nil {
		t.Fatal(err)
	}
	backup, err := db.Open(path, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open the backup: expected no error, got %v", err)
	}
	defer backup.Close()
	err = backup.View(func(rd db.Reader) error {
		for _, id := range volumes {
			if _, err := rd.Volume(id); err != nil {
				t.Errorf("backup: expected volume %s, got %v", id, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Writers go on while backups are taken.
	done := make(chan response)
	go func() { done <- e.do("GET", "/backup/db", nil) }()
	e.mustCreateVolume(`{"size":1}`)
	if b := <-done; b.status != http.StatusOK || len(b.body) == 0 {
		t.Errorf("concurrent backup: expected 200 with a body, got %d (%d bytes)", b.status, len(b.body))
	}
}

func TestDBCheckRoute(t *testing.T) {
	e := newDBToolsEnv(t, t.TempDir())
	_, nodes, _ := dbFixture(e)

	r := e.do("GET", "/db/check", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "{\n    \"clusters\": {\n        \"total\": 1,") {
		t.Fatalf("GET /db/check: expected 200 with indented JSON, got %d %.300s", r.status, r.body)
	}
	var clean map[string]json.RawMessage
	decodeJSON(t, r, &clean)
	for _, k := range []string{"clusters", "volumes", "bricks", "nodes", "devices", "blockvolumes", "dbattributes", "pendingoperations"} {
		var b struct {
			Total, Pending, OK, NotOK int
			Inconsistencies           []string
		}
		if err := json.Unmarshal(clean[k], &b); err != nil {
			t.Fatalf("GET /db/check: expected bucket %s, got %v", k, err)
		}
		if b.NotOK != 0 || b.Inconsistencies != nil || !strings.Contains(string(clean[k]), `"inconsistencies": null`) {
			t.Errorf("healthy database, bucket %s: expected no inconsistencies (null), got %s", k, clean[k])
		}
	}
	if string(clean["totalinconsistencies"]) != "0" {
		t.Fatalf("healthy database: expected totalinconsistencies 0, got %s", clean["totalinconsistencies"])
	}

	// Plant drift: a device whose used space no longer matches its bricks.
	devID := e.nodeInfo(nodes[0]).Devices[0].ID
	var used uint64
	err := e.store.Update(func(w db.Writer) error {
		d, err := w.Device(devID)
		if err != nil {
			return err
		}
		used = d.UsedKiB
		d.UsedKiB += 1024
		d.FreeKiB -= 1024
		return w.PutDevice(d)
	})
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Devices struct {
			NotOK           int      `json:"notok"`
			Inconsistencies []string `json:"inconsistencies"`
		} `json:"devices"`
		Total int `json:"totalinconsistencies"`
	}
	decodeJSON(t, e.do("GET", "/db/check", nil), &rep)
	want := fmt.Sprintf("Device %s size values differ Used(%d) != aggregateBricksSize(%d)", devID, used+1024, used)
	if rep.Total != 1 || rep.Devices.NotOK != 1 || len(rep.Devices.Inconsistencies) != 1 || rep.Devices.Inconsistencies[0] != want {
		t.Fatalf("planted drift: expected exactly %q, got %+v", want, rep)
	}
}

func TestDBRoutesNeedTheStore(t *testing.T) {
	e := newEnv(t)
	// A server built without Options.Store cannot serve the DB tools.
	bare := httptest.NewServer(server.New(e.app, e.jobs, server.Options{Log: testLog()}).Handler())
	defer bare.Close()
	for _, p := range []string{"/backup/db", "/db/dump", "/db/check"} {
		resp, err := http.Get(bare.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "database tools are not available on this server\n" {
			t.Fatalf("GET %s without a store: expected 503, got %d (%d bytes)", p, resp.StatusCode, len(body))
		}
	}
}

// runBasalt runs the binary to completion and returns its exit code, stdout
// and stderr.
func runBasalt(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(basaltBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run basalt %v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

func TestBinaryDBCommands(t *testing.T) {
	e := newDBToolsEnv(t, t.TempDir())
	_, _, volumes := dbFixture(e)
	served := e.do("GET", "/db/dump", nil).body
	src := filepath.Join(e.dir, "heketi.db")
	out := t.TempDir()
	jsonFile := filepath.Join(out, "dump.json")

	t.Run("export waits for the server's lock, then gives up", func(t *testing.T) {
		code, _, stderr := runBasalt(t, "db", "export", "--dbfile="+src, "--jsonfile="+jsonFile)
		if code != 1 || !strings.Contains(stderr, "is in use by another process") {
			t.Errorf("expected exit 1 saying the database is in use, got %d %q", code, stderr)
		}
		if _, err := os.Stat(jsonFile); !os.IsNotExist(err) {
			t.Errorf("expected no JSON file after a refused export, got %v", err)
		}
	})
	e.stop() // release the database file

	t.Run("export", func(t *testing.T) {
		code, stdout, stderr := runBasalt(t, "db", "export", "--dbfile="+src, "--jsonfile="+jsonFile)
		if code != 0 {
			t.Fatalf("db export: expected exit 0, got %d: %s%s", code, stdout, stderr)
		}
		data, err := os.ReadFile(jsonFile)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != served {
			t.Errorf("db export: expected the same document as GET /db/dump\nexport:\n%s\nroute:\n%s", data, served)
		}
		code, stdout, _ = runBasalt(t, "db", "export", "--dbfile="+src, "--jsonfile=-")
		if code != 0 || stdout != served {
			t.Errorf("db export --jsonfile=-: expected exit 0 and the dump on stdout, got %d %.200s", code, stdout)
		}
	})
	t.Run("export refuses an existing file", func(t *testing.T) {
		code, _, stderr := runBasalt(t, "db", "export", "--dbfile="+src, "--jsonfile="+jsonFile)
		if want := "ERROR: " + jsonFile + " file already exists\n"; code != 1 || stderr != want {
			t.Errorf("expected exit 1 and %q, got %d %q", want, code, stderr)
		}
	})
	imported := filepath.Join(out, "imported.db")
	t.Run("import", func(t *testing.T) {
		code, stdout, stderr := runBasalt(t, "db", "import", "--jsonfile="+jsonFile, "--dbfile="+imported)
		if code != 0 {
			t.Fatalf("db import: expected exit 0, got %d: %s%s", code, stdout, stderr)
		}
		store, err := db.Open(imported, db.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		_ = store.View(func(r db.Reader) error {
			for _, v := range volumes {
				if _, err := r.Volume(v); err != nil {
					t.Errorf("imported database: expected volume %s, got %v", v, err)
				}
			}
			return nil
		})
	})
	t.Run("import refuses an existing database", func(t *testing.T) {
		code, _, stderr := runBasalt(t, "db", "import", "--jsonfile="+jsonFile, "--dbfile="+imported)
		if want := "ERROR: " + imported + " file already exists\n"; code != 1 || stderr != want {
			t.Errorf("expected exit 1 and %q, got %d %q", want, code, stderr)
		}
	})
	t.Run("import refuses a bad dump and leaves no file", func(t *testing.T) {
		bad := filepath.Join(out, "bad.json")
		doc := strings.Replace(served, `"type": "replicate"`, `"type": "mirror"`, 1)
		if err := os.WriteFile(bad, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(out, "bad.db")
		code, _, stderr := runBasalt(t, "db", "import", "--jsonfile="+bad, "--dbfile="+target)
		if code != 1 || !strings.Contains(stderr, "Not a known volume durability type: mirror") {
			t.Errorf("expected exit 1 naming the durability type, got %d %q", code, stderr)
		}
		if _, err := os.Stat(target); !os.IsNotExist(err) {
			t.Errorf("expected no database file after a failed import, got %v", err)
		}
	})
	t.Run("consistency-check", func(t *testing.T) {
		for _, f := range []string{src, imported} {
			code, stdout, stderr := runBasalt(t, "db", "consistency-check", "--dbfile="+f)
			if code != 0 || !strings.Contains(stdout, `"totalinconsistencies": 0`) {
				t.Errorf("db consistency-check %s: expected exit 0 and no inconsistencies, got %d %s%s", f, code, stdout, stderr)
			}
		}
	})
}

func TestBinaryOfflineCleanupOperations(t *testing.T) {
	e := newDBToolsEnv(t, t.TempDir())
	// Only the stale volume: the mock executor rebuilds finished volumes on
	// its simulated nodes at start, and that is not what this test is about.
	_, nodes := e.topology(3, "/dev/sdb", "/dev/sdc")
	before := e.freeSpace(nodes)
	victim := e.mustCreateVolume(`{"size":2,"durability":{"type":"replicate","replicate":{"replica":3}}}`).ID
	// Leave a stale create behind, as a crash during the create would.
	opID := idgen.New()
	err := e.store.Update(func(w db.Writer) error {
		v, err := w.Volume(victim)
		if err != nil {
			return err
		}
		op := &db.PendingOp{ID: opID, Type: db.OpCreateVolume, Status: db.OpStatusStale,
			Actions: []db.PendingAction{{Change: db.ChangeAddVolume, ID: victim}}}
		bids, err := w.VolumeBrickIDs(victim)
		if err != nil {
			return err
		}
		for _, bid := range bids {
			b, err := w.Brick(bid)
			if err != nil {
				return err
			}
			b.PendingOpID = opID
			if err := w.PutBrick(b); err != nil {
				return err
			}
			op.Actions = append(op.Actions, db.PendingAction{Change: db.ChangeAddBrick, ID: bid})
		}
		v.PendingOpID = opID
		if err := w.PutVolume(v); err != nil {
			return err
		}
		return w.PutPendingOp(op)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.stop()

	cfg := filepath.Join(t.TempDir(), "heketi.json")
	doc := fmt.Sprintf(`{"port":"8080","glusterfs":{"executor":"mock","db":%q,"loglevel":"warning"}}`, filepath.Join(e.dir, "heketi.db"))
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runBasalt(t, "offline", "cleanup-operations", "--config="+cfg)
	if code != 0 || stdout != "rolled back: 1, completed: 0, failed: 0\n" {
		t.Fatalf("offline cleanup-operations: expected exit 0 and one rollback, got %d %q %s", code, stdout, stderr)
	}
	code, stdout, _ = runBasalt(t, "db", "consistency-check", "--dbfile="+filepath.Join(e.dir, "heketi.db"))
	if code != 0 || !strings.Contains(stdout, `"totalinconsistencies": 0`) {
		t.Errorf("after cleanup: expected a clean database, got %d %s", code, stdout)
	}

	e.start()
	e = withDBTools(e)
	if r := e.do("GET", "/volumes/"+victim, nil); r.status != http.StatusNotFound {
		t.Errorf("after cleanup: expected the stale volume gone (404), got %d %q", r.status, r.body)
	}
	if after := e.freeSpace(nodes); !maps.Equal(after, before) {
		t.Errorf("after cleanup: expected every device's free space back to before the create, got before %v, after %v", before, after)
	}

	code, _, stderr = runBasalt(t, "offline", "cleanup-operations")
	if code != 1 || stderr != "ERROR: Please provide configuration file\n" {
		t.Errorf("without --config: expected exit 1 and Heketi's message, got %d %q", code, stderr)
	}
}
