// Package bench measures Basalt at scale the way clients meet it: the real
// basalt binary with the mock executor on 127.0.0.1, driven by concurrent Go
// clients that follow Heketi's /queue protocol (202, poll while X-Pending,
// 303 to the resource, GET it). Run with `make bench`; the numbers belong in
// docs/benchmarks.md.
package bench

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// server is a running basalt process.
type server struct {
	cmd    *exec.Cmd
	url    string
	dbPath string
	log    *bytes.Buffer
}

func buildBasalt(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "basalt")
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// startServer runs basalt with the mock executor, auth off, no volume limit
// and devices big enough for 10,000 replica-3 volumes.
func startServer(b *testing.B) *server {
	return startServerWith(b, `"executor":"mock"`, "")
}

// startServerWith runs basalt with the given executor settings (JSON members
// of the glusterfs section) on the database file db, or a new one if db is "".
func startServerWith(b *testing.B, executor, db string) *server {
	b.Helper()
	dir := b.TempDir()
	if db == "" {
		db = filepath.Join(dir, "heketi.db")
	}
	s := &server{dbPath: db, log: &bytes.Buffer{}}
	cfg := fmt.Sprintf(`{"port":%q,"glusterfs":{%s,"db":%q,"loglevel":"error","max_volumes_per_cluster":-1,"max_inflight_operations":64,
		"disable_monitor_gluster_nodes":true,"disable_background_cleaner":true},"profiling":true}`, freePort(b), executor, s.dbPath)
	var c struct{ Port string }
	_ = json.Unmarshal([]byte(cfg), &c)
	path := filepath.Join(dir, "heketi.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	s.url = "http://127.0.0.1:" + c.Port
	s.cmd = exec.Command(buildBasalt(b), "--config", path, "--disable-auth")
	s.cmd.Env = append(os.Environ(), "HEKETI_MOCK_DEVICE_SIZE_GB=8192")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	})
	for i := 0; i < 300; i++ {
		if r, err := http.Get(s.url + "/hello"); err == nil {
			r.Body.Close()
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("basalt did not start:\n%s", s.log)
	return nil
}

// rssMiB reads the server's resident set size.
func (s *server) rssMiB(b *testing.B) float64 {
	return s.status(b)["VmRSS"]
}

// status reads the server's /proc/<pid>/status memory lines (VmRSS,
// RssAnon, RssFile, ...) in MiB.
func (s *server) status(b *testing.B) map[string]float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			kb, _ := strconv.Atoi(f[1])
			out[strings.TrimSuffix(f[0], ":")] = float64(kb) / 1024
		}
	}
	return out
}

// memoryLine says how a server's RSS splits into anonymous memory (Go heap,
// stacks, runtime) and mapped files (the binary and the bbolt file).
func (s *server) memoryLine(b *testing.B) string {
	st := s.status(b)
	return fmt.Sprintf("RSS %.1f MiB = anonymous %.1f + files %.1f", st["VmRSS"], st["RssAnon"], st["RssFile"])
}

// client follows the /queue protocol like Heketi's clients.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	return &client{base: base, http: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(method, path, body string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	// Size the buffer from Content-Length when the server gives one (large
	// cached answers do), as a careful client would: io.ReadAll alone would
	// grow it a few KiB at a time through a 3 MB node info.
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, buf.Bytes(), err
}

// getInto reads the answer to GET path into buf, reusing its memory: the
// latency loop measures the server, not the client's allocator (fresh 3 MB
// buffers per read of a node info cost the client page faults and
// collections of its own, tens of milliseconds at the tail).
func (c *client) getInto(path string, buf *bytes.Buffer) (int, error) {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, err
}

// async sends a request and polls its job to the end, retrying 429s after
// Retry-After as Heketi's Go client does. It returns the final status and
// the Location of a 303.
func (c *client) async(method, path, body string) (int, string, error) {
	for {
		status, h, data, err := c.do(method, path, body)
		if err != nil {
			return 0, "", err
		}
		if status == http.StatusTooManyRequests {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if status != http.StatusAccepted {
			return status, "", fmt.Errorf("%s %s: %d %s", method, path, status, data)
		}
		loc := h.Get("Location")
		for {
			status, h, data, err = c.do("GET", loc, "")
			if err != nil {
				return 0, "", err
			}
			if status == 200 && h.Get("X-Pending") == "true" {
				// A short fixed poll interval measures the server, not
				// the client's patience (Heketi's Go client waits 400 ms).
				time.Sleep(pollInterval)
				continue
			}
			if status >= 400 {
				return status, "", fmt.Errorf("job %s: %d %s", loc, status, data)
			}
			return status, h.Get("Location"), nil
		}
	}
}

// createVolume creates a volume and reads it back through the 303.
func (c *client) createVolume(body string) (string, error) {
	status, loc, err := c.async("POST", "/volumes", body)
	if err != nil {
		return "", err
	}
	if status != http.StatusSeeOther {
		return "", fmt.Errorf("volume create ended in %d", status)
	}
	st, _, data, err := c.do("GET", loc, "")
	if err != nil || st != 200 {
		return "", fmt.Errorf("GET %s: %d %v", loc, st, err)
	}
	var v struct{ ID string }
	if err := json.Unmarshal(data, &v); err != nil {
		return "", err
	}
	return v.ID, nil
}

// topology loads 3 nodes in 3 zones with 4 devices each and returns the
// cluster and node ids.
func topology(b *testing.B, c *client) (string, []string) {
	b.Helper()
	status, _, data, err := c.do("POST", "/clusters", `{"block":true,"file":true}`)
	if err != nil || status != 201 {
		b.Fatalf("cluster create: %d %v", status, err)
	}
	var cl struct{ ID string }
	_ = json.Unmarshal(data, &cl)
	var nodes []string
	for i := 1; i <= 3; i++ {
		body := fmt.Sprintf(`{"cluster":%q,"zone":%d,"hostnames":{"manage":["node%d"],"storage":["10.0.0.%d"]}}`, cl.ID, i, i, i)
		status, loc, err := c.async("POST", "/nodes", body)
		if err != nil || status != 303 {
			b.Fatalf("node add: %d %v", status, err)
		}
		id := strings.TrimPrefix(loc, "/nodes/")
		nodes = append(nodes, id)
		for _, d := range []string{"/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde"} {
			if status, _, err := c.async("POST", "/devices", fmt.Sprintf(`{"node":%q,"name":%q}`, id, d)); err != nil || status != 204 {
				b.Fatalf("device add: %d %v", status, err)
			}
		}
	}
	return cl.ID, nodes
}

// pollInterval is how long the benchmark client waits between polls.
const pollInterval = 3 * time.Millisecond

const volumeBody = `{"size":1,"durability":{"type":"replicate","replicate":{"replica":3}}}`

// createMany creates n volumes with `clients` concurrent clients and returns
// the ids and the wall time.
func createMany(b *testing.B, c *client, n, clients int) ([]string, time.Duration) {
	b.Helper()
	var next atomic.Int64
	ids := make([]string, n)
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				id, err := c.createVolume(volumeBody)
				if err != nil {
					failed.Store(err)
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return ids, time.Since(start)
}

// spread returns n paths prefix+id for ids spread evenly over ids.
func spread(prefix string, ids []string, n int) []string {
	n = min(n, len(ids))
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + ids[i*len(ids)/n]
	}
	return out
}

// latencies measures GET latency of paths: it returns the slowest first
// read of a path (cold: the one that computes an answer the revision cache
// then keeps) and the p50 and p99 of rounds further reads of each path.
// Callers take 1,000 samples, so the p99 is the tenth slowest read rather
// than, with 100, the slowest but one.
func latencies(b *testing.B, c *client, paths []string, rounds int) (p50, p99, cold time.Duration) {
	b.Helper()
	for _, p := range paths {
		t0 := time.Now()
		if status, _, _, err := c.do("GET", p, ""); err != nil || status != 200 {
			b.Fatalf("GET %s: %d %v", p, status, err)
		}
		if d := time.Since(t0); d > cold {
			cold = d
		}
	}
	var d []time.Duration
	var buf bytes.Buffer
	for r := 0; r < rounds; r++ {
		for _, p := range paths {
			t0 := time.Now()
			status, err := c.getInto(p, &buf)
			if err != nil || status != 200 {
				b.Fatalf("GET %s: %d %v", p, status, err)
			}
			d = append(d, time.Since(t0))
		}
	}
	if len(d) == 0 {
		return 0, 0, cold
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2], d[len(d)*99/100], cold
}

// realExecutorRSS measures what the server itself holds at this scale,
// without the mock executor's simulated nodes (most of the first server's
// heap): it copies the database through GET /backup/db, starts a second
// basalt on the copy with the SSH executor (no node is ever contacted: the
// health monitor is off and only reads are sent), reads the cluster, every
// node, every device and every volume once, as a client listing everything
// would, and returns that server's RSS. It also logs GET latencies there.
func realExecutorRSS(b *testing.B, c *client, cluster string) float64 {
	b.Helper()
	dir := b.TempDir()
	status, _, data, err := c.do("GET", "/backup/db", "")
	if err != nil || status != 200 {
		b.Fatalf("GET /backup/db: %d %v", status, err)
	}
	dbPath := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(dbPath, data, 0o600); err != nil {
		b.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	pemKey, err := ssh.MarshalPrivateKey(key, "bench")
	if err != nil {
		b.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(pemKey), 0o600); err != nil {
		b.Fatal(err)
	}
	s := startServerWith(b, fmt.Sprintf(`"executor":"ssh","sshexec":{"keyfile":%q,"user":"root","insecure_ignore_host_key":true}`, keyFile), dbPath)
	// Stop it as soon as it is measured (its Cleanup would wait for the end of
	// the benchmark), so it does not share the cores with the deletes.
	defer func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	}()
	rc := newClient(s.url)
	var cl struct{ Nodes, Volumes []string }
	get := func(path string, into any) {
		status, _, data, err := rc.do("GET", path, "")
		if err != nil || status != 200 {
			b.Fatalf("GET %s on the copy: %d %v\n%s", path, status, err, s.log)
		}
		if into != nil {
			if err := json.Unmarshal(data, into); err != nil {
				b.Fatal(err)
			}
		}
	}
	get("/clusters/"+cluster, &cl)
	for _, n := range cl.Nodes {
		var node struct{ Devices []struct{ ID string } }
		get("/nodes/"+n, &node)
		for _, d := range node.Devices {
			get("/devices/"+d.ID, nil)
		}
	}
	for _, v := range cl.Volumes {
		get("/volumes/"+v, nil)
	}
	rss := s.rssMiB(b)
	b.Logf("server with the SSH executor: %s", s.memoryLine(b))
	// The same latencies as on the first server: here the collector has
	// no model of 30,000 simulated bricks to mark.
	p50, p99, _ := latencies(b, rc, []string{"/nodes/" + cl.Nodes[0], "/nodes/" + cl.Nodes[1]}, 500)
	b.Logf("server with the SSH executor: GET /nodes/{id}: p50 %v p99 %v", p50, p99)
	b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99-node-ssh")
	p50, p99, _ = latencies(b, rc, []string{"/clusters/" + cluster}, 1000)
	b.Logf("server with the SSH executor: GET /clusters/{id}: p50 %v p99 %v", p50, p99)
	p50, p99, _ = latencies(b, rc, spread("/volumes/", cl.Volumes, 10), 100)
	b.Logf("server with the SSH executor: GET /volumes/{id}: p50 %v p99 %v", p50, p99)
	return rss
}

// routeBuckets reads the cumulative bucket counts of basalt's request
// duration histogram for successful GETs of one route (its name in the
// route table, e.g. "node info"), keyed by upper bound in seconds.
func routeBuckets(tb testing.TB, c *client, route string) map[float64]float64 {
	tb.Helper()
	_, _, data, err := c.do("GET", "/metrics", "")
	if err != nil {
		tb.Fatal(err)
	}
	prefix := `basalt_http_request_duration_seconds_bucket{code="200",method="GET",route="` + route + `",le="`
	out := map[float64]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		le, count, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		bound, err := strconv.ParseFloat(le, 64) // "+Inf" parses as +Inf
		n, err2 := strconv.ParseFloat(count, 64)
		if err == nil && err2 == nil {
			out[bound] = n
		}
	}
	return out
}

// serverP99 is the smallest histogram bound under which at least 99% of
// the requests counted between two routeBuckets reads finished, as the
// server measured them (from routing to the last byte written).
func serverP99(before, after map[float64]float64) time.Duration {
	var bounds []float64
	for k := range after {
		bounds = append(bounds, k)
	}
	sort.Float64s(bounds)
	if len(bounds) == 0 {
		return 0
	}
	total := after[bounds[len(bounds)-1]] - before[bounds[len(bounds)-1]]
	for _, k := range bounds {
		if after[k]-before[k] >= 0.99*total {
			return time.Duration(k * float64(time.Second))
		}
	}
	return 0
}

// BenchmarkScale10k is the scale scenario of the volumes issue: 10,000
// replica-3 volume creates by 8 concurrent clients, reported per 1,000-volume
// band; GET latencies at 10,000 volumes; server RSS and DB size; then 1,000
// deletes. Run it once: go test -run '^$' -bench Scale10k -benchtime 1x ./tests/bench/
func BenchmarkScale10k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := startServer(b)
		c := newClient(s.url)
		began := time.Now()
		// logf logs a result with the time since the server started, so a
		// slow phase shows where the run's wall time went.
		logf := func(format string, args ...any) {
			b.Logf("[%6.1fs] "+format, append([]any{time.Since(began).Seconds()}, args...)...)
		}
		cluster, nodes := topology(b, c)

		var all []string
		var total time.Duration
		var first, last float64
		bands := 10
		if v := os.Getenv("BENCH_BANDS"); v != "" {
			bands, _ = strconv.Atoi(v)
		}
		for band := 1; band <= bands; band++ {
			var prof chan []byte
			if path := os.Getenv("BENCH_CPU_PROFILE"); path != "" && band == bands {
				// Profile the server during the last band (see docs/benchmarks.md).
				prof = make(chan []byte, 1)
				go func() {
					_, _, data, _ := c.do("GET", "/debug/pprof/profile?seconds=10", "")
					prof <- data
				}()
			}
			ids, d := createMany(b, c, 1000, 8)
			if prof != nil {
				_ = os.WriteFile(os.Getenv("BENCH_CPU_PROFILE"), <-prof, 0o644)
			}
			all = append(all, ids...)
			total += d
			rate := 1000 / d.Seconds()
			if band == 1 {
				first = rate
			}
			last = rate
			logf("volumes %5d-%5d: %7.1f creates/s", (band-1)*1000+1, band*1000, rate)
		}
		b.ReportMetric(float64(len(all))/total.Seconds(), "creates/s")
		b.ReportMetric(total.Seconds(), "s/10k-creates")
		b.ReportMetric(first/last, "first/last-band")

		p50, p99, cold := latencies(b, c, spread("/volumes/", all, 10), 100)
		logf("GET /volumes/{id}: p50 %v p99 %v (first read %v)", p50, p99, cold)
		b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99-volume")
		nodePaths := []string{"/nodes/" + nodes[0], "/nodes/" + nodes[1]}
		_, _, cold = latencies(b, c, nodePaths, 0) // the first reads, outside the histogram window
		before := routeBuckets(b, c, "node info")
		p50, p99, _ = latencies(b, c, nodePaths, 500)
		// The client's view on two shared cores includes its own stalls;
		// the server's histogram says how long the server took.
		serverSide := serverP99(before, routeBuckets(b, c, "node info"))
		logf("GET /nodes/{id}: p50 %v p99 %v (first read %v); server-side p99 <= %v (its request histogram)", p50, p99, cold, serverSide)
		b.ReportMetric(float64(serverSide.Microseconds())/1000, "ms-p99-node-server")
		b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99-node")
		b.ReportMetric(float64(cold.Microseconds())/1000, "ms-first-node")
		p50, p99, cold = latencies(b, c, []string{"/clusters/" + cluster}, 1000)
		logf("GET /clusters/{id}: p50 %v p99 %v (first read %v)", p50, p99, cold)
		b.ReportMetric(float64(p99.Microseconds())/1000, "ms-p99-cluster")

		if os.Getenv("BENCH_PAUSE") != "" {
			// Leave the server up at 10,000 volumes for manual probing
			// (curl, go tool pprof) until the file named by BENCH_PAUSE exists.
			fmt.Fprintf(os.Stderr, "bench: server at %s (pid %d, db %s); create %s to go on\n", s.url, s.cmd.Process.Pid, s.dbPath, os.Getenv("BENCH_PAUSE"))
			for {
				if _, err := os.Stat(os.Getenv("BENCH_PAUSE")); err == nil {
					break
				}
				time.Sleep(time.Second)
			}
		}
		rss := s.rssMiB(b)
		logf("server with the mock executor: %s", s.memoryLine(b))
		realRSS := realExecutorRSS(b, c, cluster)
		st, err := os.Stat(s.dbPath)
		if err != nil {
			b.Fatal(err)
		}
		logf("server RSS %.1f MiB, DB %.1f MB at %d volumes", rss, float64(st.Size())/1e6, len(all))
		b.ReportMetric(rss, "MiB-rss")
		logf("server RSS with the SSH executor (no simulated nodes) on a copy of that database: %.1f MiB", realRSS)
		b.ReportMetric(realRSS, "MiB-rss-ssh")
		b.ReportMetric(float64(st.Size())/1e6, "MB-db")

		// Delete 1,000 with 8 clients.
		var dprof chan []byte
		if path := os.Getenv("BENCH_DELETE_PROFILE"); path != "" {
			dprof = make(chan []byte, 1)
			go func() {
				_, _, data, _ := c.do("GET", "/debug/pprof/profile?seconds=5", "")
				dprof <- data
			}()
		}
		if hp := os.Getenv("BENCH_HEAP_PROFILE"); hp != "" {
			_, _, data, _ := c.do("GET", "/debug/pprof/heap", "")
			_ = os.WriteFile(hp, data, 0o644)
		}
		// BENCH_DELETE_ALLOCS=<prefix> saves the server's allocation
		// profile before and after the deletes, for
		// go tool pprof -sample_index=alloc_space -base <prefix>.before <prefix>.after
		if ap := os.Getenv("BENCH_DELETE_ALLOCS"); ap != "" {
			_, _, data, _ := c.do("GET", "/debug/pprof/allocs", "")
			_ = os.WriteFile(ap+".before", data, 0o644)
			defer func() {
				_, _, data, _ := c.do("GET", "/debug/pprof/allocs", "")
				_ = os.WriteFile(ap+".after", data, 0o644)
			}()
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= 1000 {
						return
					}
					if status, _, err := c.async("DELETE", "/volumes/"+all[i], ""); err != nil || status != 204 {
						b.Errorf("delete: %d %v", status, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		rate := 1000 / time.Since(start).Seconds()
		if dprof != nil {
			_ = os.WriteFile(os.Getenv("BENCH_DELETE_PROFILE"), <-dprof, 0o644)
		}
		logf("1,000 deletes: %.1f deletes/s", rate)
		b.ReportMetric(rate, "deletes/s")
	}
}
