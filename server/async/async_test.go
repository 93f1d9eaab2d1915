package async

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/internal/errs"
)

// fakeClock is a settable clock for retention tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestManager returns a Manager with a logger writing to the returned
// buffer, shut down when the test ends.
func newTestManager(t *testing.T, opts Options) (*Manager, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	l := logrus.New()
	l.SetOutput(buf)
	l.SetLevel(logrus.DebugLevel)
	opts.Logger = logrus.NewEntry(l)
	m := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("cleanup Shutdown: expected nil, got %v", err)
		}
	})
	return m, buf
}

// testServer serves GET /queue/{id} from m, and answers POST, DELETE and GET
// on /submit by submitting the job returned by next and writing the 202.
func testServer(t *testing.T, m *Manager, next func() Func) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /queue/{id}", func(w http.ResponseWriter, r *http.Request) {
		m.ServeStatus(w, r, r.PathValue("id"))
	})
	mux.HandleFunc("/submit", func(w http.ResponseWriter, r *http.Request) {
		id, err := m.Submit("test "+r.Method, next())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		m.WriteAccepted(w, r, id)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// answer is the part of an HTTP response a client can observe, minus Date.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) String() string {
	return fmt.Sprintf("%d %v %q", a.status, a.header, a.body)
}

func (a answer) equal(b answer) bool {
	if a.status != b.status || a.body != b.body || len(a.header) != len(b.header) {
		return false
	}
	for k, v := range a.header {
		if strings.Join(v, "\x00") != strings.Join(b.header[k], "\x00") {
			return false
		}
	}
	return true
}

// do sends one request without following redirects and returns the answer.
func do(t *testing.T, method, url string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatalf("NewRequest: expected nil error, got %v", err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: expected a response, got error %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: expected nil error, got %v", method, url, err)
	}
	h := resp.Header.Clone()
	h.Del("Date")
	return answer{status: resp.StatusCode, header: h, body: string(body)}
}

// waitFinished waits until job id has finished, without marking it read.
func waitFinished(t *testing.T, m *Manager, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m.mu.RLock()
		j := m.jobs[id]
		done := j != nil && j.state == finished
		m.mu.RUnlock()
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("job %s: expected to finish within 10s, still not finished", id)
}

// waitStats waits until m.Stats() equals want.
func waitStats(t *testing.T, m *Manager, want Stats) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got Stats
	for time.Now().Before(deadline) {
		if got = m.Stats(); got == want {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("Stats: expected %+v, got %+v", want, got)
}

var queueLocation = regexp.MustCompile(`^/queue/[0-9a-f]{32}$`)

// pending is the answer to a poll of a job that has not finished.
var pending = answer{status: 200, header: http.Header{"X-Pending": {"true"}, "Content-Length": {"0"}}}

func TestWriteAccepted(t *testing.T) {
	m, _ := newTestManager(t, Options{})
	srv := testServer(t, m, func() Func {
		return func(context.Context) (Result, error) { return Result{}, nil }
	})
	tests := []struct {
		method string
		header func(loc string) http.Header
		body   func(loc string) string
	}{
		{"POST",
			func(loc string) http.Header { return http.Header{"Location": {loc}, "Content-Length": {"0"}} },
			func(string) string { return "" }},
		{"DELETE",
			func(loc string) http.Header { return http.Header{"Location": {loc}, "Content-Length": {"0"}} },
			func(string) string { return "" }},
		{"GET",
			func(loc string) http.Header {
				return http.Header{"Location": {loc}, "Content-Type": {"text/html; charset=utf-8"},
					"Content-Length": {fmt.Sprint(len(`<a href="">Accepted</a>.`) + len(loc) + 2)}}
			},
			func(loc string) string { return `<a href="` + loc + `">Accepted</a>.` + "\n\n" }},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			got := do(t, tc.method, srv.URL+"/submit")
			loc := got.header.Get("Location")
			if !queueLocation.MatchString(loc) {
				t.Fatalf("Location: expected a bare /queue/<32 hex> path, got %q", loc)
			}
			want := answer{status: http.StatusAccepted, header: tc.header(loc), body: tc.body(loc)}
			if !got.equal(want) {
				t.Errorf("202 answer:\nexpected %v\ngot      %v", want, got)
			}
		})
	}
}

func TestJobOutcomes(t *testing.T) {
	const gluster = "volume start: myvol: failed: Commit failed on localhost."
	plain := func(body string) http.Header {
		return http.Header{
			"Content-Type":           {"text/plain; charset=utf-8"},
			"X-Content-Type-Options": {"nosniff"},
			"Content-Length":         {fmt.Sprint(len(body))},
		}
	}
	seeOther := `<a href="/volumes/0123456789abcdef0123456789abcdef">See Other</a>.` + "\n\n"
	tests := []struct {
		name string
		fn   Func
		want answer
	}{
		{"204 without location",
			func(context.Context) (Result, error) { return Result{}, nil },
			answer{status: 204, header: http.Header{}}},
		{"303 to location",
			func(context.Context) (Result, error) {
				return Result{Location: "/volumes/0123456789abcdef0123456789abcdef"}, nil
			},
			answer{status: 303, header: http.Header{
				"Location":       {"/volumes/0123456789abcdef0123456789abcdef"},
				"Content-Type":   {"text/html; charset=utf-8"},
				"Content-Length": {fmt.Sprint(len(seeOther))},
			}, body: seeOther}},
		{"500 with the error text verbatim",
			func(context.Context) (Result, error) { return Result{}, errors.New(gluster) },
			answer{status: 500, header: plain(gluster + "\n"), body: gluster + "\n"}},
		{"500 keeps an errs kind's message",
			func(context.Context) (Result, error) { return Result{}, errs.ErrNotFound },
			answer{status: 500, header: plain("Id not found\n"), body: "Id not found\n"}},
		{"panic becomes 500 internal error",
			func(context.Context) (Result, error) { panic("boom") },
			answer{status: 500, header: plain("internal error: boom\n"), body: "internal error: boom\n"}},
		{"absolute URL location is refused",
			func(context.Context) (Result, error) { return Result{Location: "http://x/volumes/1"}, nil },
			answer{status: 500, header: plain(`internal error: invalid job result location "http://x/volumes/1"` + "\n"),
				body: `internal error: invalid job result location "http://x/volumes/1"` + "\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestManager(t, Options{})
			release := make(chan struct{})
			srv := testServer(t, m, func() Func {
				return func(ctx context.Context) (Result, error) {
					<-release
					return tc.fn(ctx)
				}
			})
			accepted := do(t, "POST", srv.URL+"/submit")
			if accepted.status != http.StatusAccepted {
				t.Fatalf("submit: expected 202, got %v", accepted)
			}
			loc := accepted.header.Get("Location")
			for i := 0; i < 3; i++ {
				if got := do(t, "GET", srv.URL+loc); !got.equal(pending) {
					t.Fatalf("poll %d while the job blocks:\nexpected %v\ngot      %v", i, pending, got)
				}
			}
			close(release)
			waitFinished(t, m, strings.TrimPrefix(loc, QueuePrefix))
			for i := 0; i < 2; i++ {
				if got := do(t, "GET", srv.URL+loc); !got.equal(tc.want) {
					t.Errorf("poll %d after the job finished:\nexpected %v\ngot      %v", i, tc.want, got)
				}
			}
		})
	}
}

func TestPanicIsLoggedWithStackAndServerSurvives(t *testing.T) {
	m, logs := newTestManager(t, Options{})
	id, err := m.Submit("panics", func(context.Context) (Result, error) { panic("kaboom") })
	if err != nil {
		t.Fatalf("Submit: expected nil error, got %v", err)
	}
	waitFinished(t, m, id)
	id2, err := m.Submit("after", func(context.Context) (Result, error) { return Result{Location: "/nodes/1"}, nil })
	if err != nil {
		t.Fatalf("Submit after a panic: expected nil error, got %v", err)
	}
	waitFinished(t, m, id2)
	if o, ok := m.lookup(id2); !ok || o.state != finished || o.err != nil || o.result.Location != "/nodes/1" {
		t.Errorf("job after panic: expected finished with /nodes/1, got %+v (found %v)", o, ok)
	}
	out := logs.String()
	for _, want := range []string{"async job panicked: kaboom", "goroutine ", "runtime/debug.Stack"} {
		if !strings.Contains(out, want) {
			t.Errorf("log: expected to contain %q, got:\n%s", want, out)
		}
	}
}

func TestUnknownID(t *testing.T) {
	m, _ := newTestManager(t, Options{})
	srv := testServer(t, m, nil)
	want := answer{status: 404, header: http.Header{
		"Content-Type":           {"text/plain; charset=utf-8"},
		"X-Content-Type-Options": {"nosniff"},
		"Content-Length":         {"13"},
	}, body: "Id not found\n"}
	for _, id := range []string{"0123456789abcdef0123456789abcdef", "abc", "nothex"} {
		t.Run(id, func(t *testing.T) {
			if got := do(t, "GET", srv.URL+"/queue/"+id); !got.equal(want) {
				t.Errorf("GET /queue/%s:\nexpected %v\ngot      %v", id, want, got)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	notFound := answer{status: 404}
	ok204 := answer{status: 204}
	type step struct {
		advance time.Duration // clock moves this much before the poll
		want    answer        // only status is compared
	}
	tests := []struct {
		name  string
		opts  Options
		steps []step
	}{
		{"read result stays for Retention after the first read", Options{}, []step{
			{time.Hour, ok204}, // first read: retention starts now
			{5 * time.Minute, ok204},
			{5*time.Minute - time.Nanosecond, ok204},
			{time.Nanosecond, notFound}, // exactly 10 min after the first read
			{time.Hour, notFound},
		}},
		{"custom retention", Options{Retention: time.Minute}, []step{
			{0, ok204},
			{59 * time.Second, ok204},
			{time.Second, notFound},
		}},
		{"negative retention forgets on first read like Heketi", Options{Retention: -1}, []step{
			{0, ok204},
			{0, notFound},
		}},
		{"unread result expires after UnreadRetention", Options{}, []step{
			{24 * time.Hour, notFound},
		}},
		{"unread result readable just before UnreadRetention", Options{}, []step{
			{24*time.Hour - time.Nanosecond, ok204},
			{9 * time.Minute, ok204}, // read at 24h-1ns restarts the clock with Retention
			{time.Minute, notFound},
		}},
		{"custom unread retention", Options{UnreadRetention: time.Hour}, []step{
			{time.Hour, notFound},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			tc.opts.Now = clock.Now
			m, _ := newTestManager(t, tc.opts)
			srv := testServer(t, m, nil)
			id, err := m.Submit("quick", func(context.Context) (Result, error) { return Result{}, nil })
			if err != nil {
				t.Fatalf("Submit: expected nil error, got %v", err)
			}
			waitFinished(t, m, id)
			for i, s := range tc.steps {
				clock.Advance(s.advance)
				if got := do(t, "GET", srv.URL+StatusPath(id)); got.status != s.want.status {
					t.Fatalf("step %d: expected status %d, got %v", i, s.want.status, got)
				}
			}
		})
	}
}

func TestExpiredResultsArePurged(t *testing.T) {
	clock := newFakeClock()
	m, _ := newTestManager(t, Options{Now: clock.Now, MaxRunning: 16})
	const n = 10000
	ids := make([]string, n)
	for i := range ids {
		id, err := m.Submit("bulk", func(context.Context) (Result, error) { return Result{}, nil })
		if err != nil {
			t.Fatalf("Submit %d: expected nil error, got %v", i, err)
		}
		ids[i] = id
	}
	waitStats(t, m, Stats{Finished: n})
	// Half are read, so they expire after Retention; the rest after UnreadRetention.
	for _, id := range ids[:n/2] {
		if _, ok := m.lookup(id); !ok {
			t.Fatalf("lookup %s: expected found, got not found", id)
		}
	}
	size := func() int {
		m.mu.RLock()
		defer m.mu.RUnlock()
		return len(m.jobs)
	}
	clock.Advance(DefaultRetention)
	trigger, err := m.Submit("trigger sweep", func(context.Context) (Result, error) { return Result{}, nil })
	if err != nil {
		t.Fatalf("Submit: expected nil error, got %v", err)
	}
	waitFinished(t, m, trigger)
	if got, want := size(), n/2+1; got != want {
		t.Errorf("table size after Retention: expected %d entries (unread results and the new job), got %d", want, got)
	}
	clock.Advance(DefaultUnreadRetention)
	if _, err := m.Submit("trigger sweep", func(context.Context) (Result, error) { return Result{}, nil }); err != nil {
		t.Fatalf("Submit: expected nil error, got %v", err)
	}
	if got := size(); got != 1 {
		t.Errorf("table size after UnreadRetention: expected 1 entry (the new job), got %d", got)
	}
}

func TestMaxRunningBound(t *testing.T) {
	const n, limit = 50, 4
	m, _ := newTestManager(t, Options{MaxRunning: limit})
	srv := testServer(t, m, nil)
	var current, peak, ran atomic.Int32
	gate := make(chan struct{})
	ids := make([]string, n)
	for i := range ids {
		id, err := m.Submit("bounded", func(context.Context) (Result, error) {
			c := current.Add(1)
			for p := peak.Load(); c > p && !peak.CompareAndSwap(p, c); p = peak.Load() {
			}
			<-gate
			time.Sleep(time.Millisecond)
			current.Add(-1)
			ran.Add(1)
			return Result{}, nil
		})
		if err != nil {
			t.Fatalf("Submit %d: expected nil error, got %v", i, err)
		}
		ids[i] = id
	}
	waitStats(t, m, Stats{Running: limit, Waiting: n - limit})
	for _, id := range []string{ids[0], ids[n-1]} {
		if got := do(t, "GET", srv.URL+StatusPath(id)); !got.equal(pending) {
			t.Errorf("poll of %s: expected %v, got %v", id, pending, got)
		}
	}
	close(gate)
	waitStats(t, m, Stats{Finished: n})
	if got := peak.Load(); got != limit {
		t.Errorf("peak concurrently running jobs: expected %d, got %d", limit, got)
	}
	if got := ran.Load(); got != n {
		t.Errorf("jobs run: expected %d, got %d", n, got)
	}
}

func TestFIFOStartOrder(t *testing.T) {
	// One worker: the queued jobs start strictly in submission order.
	m, _ := newTestManager(t, Options{MaxRunning: 1})
	gate := make(chan struct{})
	if _, err := m.Submit("blocker", func(context.Context) (Result, error) { <-gate; return Result{}, nil }); err != nil {
		t.Fatalf("Submit blocker: expected nil error, got %v", err)
	}
	const n = 20
	var mu sync.Mutex
	var order []int
	for i := 0; i < n; i++ {
		if _, err := m.Submit(fmt.Sprint("queued ", i), func(context.Context) (Result, error) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return Result{}, nil
		}); err != nil {
			t.Fatalf("Submit %d: expected nil error, got %v", i, err)
		}
	}
	if got := m.Stats(); got != (Stats{Running: 1, Waiting: n}) {
		t.Fatalf("Stats before release: expected %+v, got %+v", Stats{Running: 1, Waiting: n}, got)
	}
	close(gate)
	waitStats(t, m, Stats{Finished: n + 1})
	mu.Lock()
	defer mu.Unlock()
	for i, v := range order {
		if v != i || len(order) != n {
			t.Fatalf("start order: expected 0..%d in order, got %v", n-1, order)
		}
	}
}

func TestFIFODequeueOrder(t *testing.T) {
	// With several workers the start order is only meaningful for the
	// dequeue itself: record which job each worker takes, under the lock.
	m, _ := newTestManager(t, Options{MaxRunning: 3})
	gate := make(chan struct{})
	var ids []string
	for i := 0; i < 30; i++ {
		id, err := m.Submit("job", func(context.Context) (Result, error) { <-gate; return Result{}, nil })
		if err != nil {
			t.Fatalf("Submit %d: expected nil error, got %v", i, err)
		}
		ids = append(ids, id)
	}
	m.mu.RLock()
	var queued []string
	for _, j := range m.queue {
		queued = append(queued, j.id)
	}
	m.mu.RUnlock()
	if strings.Join(queued, ",") != strings.Join(ids[3:], ",") {
		t.Errorf("queue: expected jobs 3..29 in submission order, got %d ids in another order", len(queued))
	}
	close(gate)
	waitStats(t, m, Stats{Finished: 30})
}

func TestSubmitAfterShutdown(t *testing.T) {
	m, _ := newTestManager(t, Options{})
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: expected nil, got %v", err)
	}
	id, err := m.Submit("late", func(context.Context) (Result, error) { return Result{}, nil })
	if err == nil || !errs.Is(err, errs.Unavailable) || err.Error() != "server is shutting down" {
		t.Errorf("Submit after Shutdown: expected unavailable error %q, got id %q err %v (kind %v)",
			"server is shutting down", id, err, errs.KindOf(err))
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: expected nil, got %v", err)
	}
}

func TestShutdownWaitsForRunningJobs(t *testing.T) {
	m, _ := newTestManager(t, Options{})
	srv := testServer(t, m, nil)
	release := make(chan struct{})
	var jobCtxErr atomic.Value
	id, err := m.Submit("slow", func(ctx context.Context) (Result, error) {
		<-release
		jobCtxErr.Store(fmt.Sprint(ctx.Err()))
		return Result{Location: "/volumes/1"}, nil
	})
	if err != nil {
		t.Fatalf("Submit: expected nil error, got %v", err)
	}
	waitStats(t, m, Stats{Running: 1})
	done := make(chan error, 1)
	go func() { done <- m.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown: expected to wait for the running job, returned %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := m.Submit("during", func(context.Context) (Result, error) { return Result{}, nil }); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Submit during Shutdown: expected unavailable error, got %v", err)
	}
	if got := do(t, "GET", srv.URL+StatusPath(id)); !got.equal(pending) {
		t.Errorf("poll during Shutdown: expected %v, got %v", pending, got)
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Shutdown: expected nil, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown: expected to return once the job finished, still waiting after 10s")
	}
	if got := jobCtxErr.Load(); got != "<nil>" {
		t.Errorf("job context during graceful Shutdown: expected not cancelled (<nil>), got %v", got)
	}
	if got := do(t, "GET", srv.URL+StatusPath(id)); got.status != http.StatusSeeOther {
		t.Errorf("poll after Shutdown: expected 303, got %v", got)
	}
}

func TestShutdownDeadlineCancelsJobs(t *testing.T) {
	m, _ := newTestManager(t, Options{MaxRunning: 2})
	srv := testServer(t, m, nil)
	var stopped atomic.Int32
	var ids []string
	for i := 0; i < 2; i++ {
		id, err := m.Submit("stubborn", func(ctx context.Context) (Result, error) {
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond) // reach a safe point
			stopped.Add(1)
			return Result{}, fmt.Errorf("volume create interrupted: %w", ctx.Err())
		})
		if err != nil {
			t.Fatalf("Submit: expected nil error, got %v", err)
		}
		ids = append(ids, id)
	}
	waitStats(t, m, Stats{Running: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := m.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: expected %v, got %v", context.DeadlineExceeded, err)
	}
	if got := stopped.Load(); got != 2 {
		t.Errorf("jobs returned before Shutdown returned: expected 2, got %d", got)
	}
	if got := m.Stats(); got != (Stats{Finished: 2}) {
		t.Errorf("Stats after Shutdown: expected %+v, got %+v", Stats{Finished: 2}, got)
	}
	for _, id := range ids {
		got := do(t, "GET", srv.URL+StatusPath(id))
		if got.status != 500 || got.body != "volume create interrupted: context canceled\n" {
			t.Errorf("poll of cancelled job: expected 500 %q, got %v", "volume create interrupted: context canceled\n", got)
		}
	}
}

func TestShutdownFailsQueuedJobs(t *testing.T) {
	m, _ := newTestManager(t, Options{MaxRunning: 1})
	srv := testServer(t, m, nil)
	release := make(chan struct{})
	first, err := m.Submit("running", func(context.Context) (Result, error) { <-release; return Result{}, nil })
	if err != nil {
		t.Fatalf("Submit: expected nil error, got %v", err)
	}
	var ran atomic.Int32
	var queued []string
	for i := 0; i < 3; i++ {
		id, err := m.Submit("queued", func(context.Context) (Result, error) { ran.Add(1); return Result{}, nil })
		if err != nil {
			t.Fatalf("Submit: expected nil error, got %v", err)
		}
		queued = append(queued, id)
	}
	done := make(chan error, 1)
	go func() { done <- m.Shutdown(context.Background()) }()
	waitStats(t, m, Stats{Running: 1, Finished: 3})
	const text = "server shut down before the job started\n"
	want := answer{status: 500, header: http.Header{
		"Content-Type":           {"text/plain; charset=utf-8"},
		"X-Content-Type-Options": {"nosniff"},
		"Content-Length":         {fmt.Sprint(len(text))},
	}, body: text}
	for _, id := range queued {
		if got := do(t, "GET", srv.URL+StatusPath(id)); !got.equal(want) {
			t.Errorf("poll of queued job:\nexpected %v\ngot      %v", want, got)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("Shutdown: expected nil, got %v", err)
	}
	if got := ran.Load(); got != 0 {
		t.Errorf("queued jobs run after Shutdown: expected 0, got %d", got)
	}
	if got := do(t, "GET", srv.URL+StatusPath(first)); got.status != 204 {
		t.Errorf("poll of the job that was running: expected 204, got %v", got)
	}
}

func TestJobContextIsNotTheRequest(t *testing.T) {
	m, _ := newTestManager(t, Options{})
	errc := make(chan error, 1)
	answered := make(chan struct{})
	srv := testServer(t, m, func() Func {
		return func(ctx context.Context) (Result, error) {
			<-answered // the client has read the answer to the request
			errc <- ctx.Err()
			return Result{}, nil
		}
	})
	got := do(t, "POST", srv.URL+"/submit")
	close(answered)
	if got.status != http.StatusAccepted {
		t.Fatalf("submit: expected 202, got %v", got)
	}
	if err := <-errc; err != nil {
		t.Errorf("job context after the request ended: expected not cancelled, got %v", err)
	}
}

func TestNoGoroutineLeakAfterShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	l := logrus.New()
	l.SetOutput(io.Discard)
	m := New(Options{MaxRunning: 8, Logger: logrus.NewEntry(l)})
	for i := 0; i < 200; i++ {
		if _, err := m.Submit("job", func(context.Context) (Result, error) {
			time.Sleep(time.Millisecond)
			return Result{}, nil
		}); err != nil {
			t.Fatalf("Submit: expected nil error, got %v", err)
		}
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: expected nil, got %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var now int
	for time.Now().Before(deadline) {
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("goroutines after Shutdown: expected at most %d, got %d", before, now)
}

func TestDefaults(t *testing.T) {
	m := New(Options{})
	defer m.Shutdown(context.Background())
	if m.maxRunning != DefaultMaxRunning || m.retention != DefaultRetention || m.unreadRetention != DefaultUnreadRetention {
		t.Errorf("defaults: expected %d/%v/%v, got %d/%v/%v", DefaultMaxRunning, DefaultRetention, DefaultUnreadRetention,
			m.maxRunning, m.retention, m.unreadRetention)
	}
	if m.log == nil || m.now == nil {
		t.Errorf("defaults: expected a logger and a clock, got logger %v clock set %v", m.log, m.now != nil)
	}
}

// rawExchange sends a minimal HTTP/1.1 request over TCP and returns the raw
// response with the Date header line removed.
func rawExchange(t *testing.T, srv *httptest.Server, method, path string) string {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial: expected nil error, got %v", err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: basalt\r\nConnection: close\r\n\r\n", method, path); err != nil {
		t.Fatalf("write request: expected nil error, got %v", err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read response: expected nil error, got %v", err)
	}
	return regexp.MustCompile(`(?m)^Date: [^\r]*\r\n`).ReplaceAllString(string(raw), "")
}

func TestWireBytes(t *testing.T) {
	m, _ := newTestManager(t, Options{})
	release := make(chan struct{})
	srv := testServer(t, m, func() Func {
		return func(context.Context) (Result, error) {
			<-release
			return Result{Location: "/volumes/0123456789abcdef0123456789abcdef"}, nil
		}
	})
	idOf := func(raw string) string {
		id := regexp.MustCompile(`Location: /queue/([0-9a-f]{32})\r\n`).FindStringSubmatch(raw)
		if id == nil {
			t.Fatalf("202: expected a Location: /queue/<id> line, got %q", raw)
		}
		return id[1]
	}

	post := rawExchange(t, srv, "POST", "/submit")
	id := idOf(post)
	want := "HTTP/1.1 202 Accepted\r\nLocation: /queue/" + id + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	if post != want {
		t.Errorf("POST 202 bytes:\nexpected %q\ngot      %q", want, post)
	}

	get := rawExchange(t, srv, "GET", "/submit")
	gid := idOf(get)
	body := `<a href="/queue/` + gid + `">Accepted</a>.` + "\n\n"
	want = "HTTP/1.1 202 Accepted\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /queue/" + gid +
		"\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\nConnection: close\r\n\r\n" + body
	if get != want {
		t.Errorf("GET 202 bytes:\nexpected %q\ngot      %q", want, get)
	}

	poll := rawExchange(t, srv, "GET", StatusPath(id))
	want = "HTTP/1.1 200 OK\r\nX-Pending: true\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	if poll != want {
		t.Errorf("pending poll bytes:\nexpected %q\ngot      %q", want, poll)
	}

	close(release)
	waitFinished(t, m, id)
	done := rawExchange(t, srv, "GET", StatusPath(id))
	body = `<a href="/volumes/0123456789abcdef0123456789abcdef">See Other</a>.` + "\n\n"
	want = "HTTP/1.1 303 See Other\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /volumes/0123456789abcdef0123456789abcdef" +
		"\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\nConnection: close\r\n\r\n" + body
	if done != want {
		t.Errorf("303 bytes:\nexpected %q\ngot      %q", want, done)
	}
}
