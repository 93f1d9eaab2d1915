package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/internal/testctx"
)

const (
	testUser = "admin"
	testKey  = "My Secret"
)

// fast are options that keep tests quick: tiny retry and poll delays.
func fast(extra ...Option) []Option {
	return append([]Option{WithRetry(3, time.Millisecond, 2*time.Millisecond), WithPollDelay(time.Millisecond)}, extra...)
}

func newTestClient(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	c, err := New(url, testUser, testKey, fast(opts...)...)
	if err != nil {
		t.Fatalf("New(%q): %v", url, err)
	}
	return c
}

// checkToken verifies a request's token as Heketi's JWT middleware does and
// returns a description of what is wrong, or "".
func checkToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	parts := strings.Fields(h)
	if len(parts) != 2 || !strings.EqualFold(parts[0], "bearer") {
		return fmt.Sprintf("authorization header %q is not \"bearer <token>\"", h)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(parts[1], claims, func(tok *jwt.Token) (any, error) {
		return []byte(testKey), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return "token: " + err.Error()
	}
	if iss, _ := claims["iss"].(string); iss != testUser {
		return fmt.Sprintf("expected iss %q, got %v", testUser, claims["iss"])
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	if now := float64(time.Now().Unix()); iat < now-5 || iat > now+1 {
		return fmt.Sprintf("expected iat about %v, got %v", now, iat)
	}
	if exp-iat != 300 {
		return fmt.Sprintf("expected exp = iat + 300, got exp %v iat %v", exp, iat)
	}
	want := Qsh(r.Method, r.URL.Path)
	if qsh, _ := claims["qsh"].(string); qsh != want {
		return fmt.Sprintf("expected qsh %s for %s %s, got %v", want, r.Method, r.URL.Path, claims["qsh"])
	}
	return ""
}

// TestQsh pins the qsh formula: lowercase hex SHA-256 of "METHOD&path".
func TestQsh(t *testing.T) {
	const want = "4749a59de87c27c9b2f495c5f1309b2525681dfe30c8a7b83625901b132a9c26" // sha256sum of GET&/clusters
	if got := Qsh("GET", "/clusters"); got != want {
		t.Fatalf("expected %s, got %s", want, got)
	}
}

// TestJWT checks, server-side with golang-jwt, the token of every request
// several calls make, including redirect hops and a trailing-slash path.
func TestJWT(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if msg := checkToken(r); msg != "" {
			http.Error(w, msg, http.StatusUnauthorized)
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /clusters/":
			http.Redirect(w, r, "/clusters", http.StatusMovedPermanently)
		case "GET /clusters":
			fmt.Fprintln(w, `{"clusters":["c1"]}`)
		case "DELETE /clusters/c1":
		case "POST /nodes/n1/tags":
			fmt.Fprintln(w, `{"a":"b"}`)
		case "POST /volumes":
			w.Header().Set("Location", "/queue/j1")
			w.WriteHeader(http.StatusAccepted)
		case "GET /queue/j1":
			http.Redirect(w, r, "/volumes/v1", http.StatusSeeOther)
		case "GET /volumes/v1":
			fmt.Fprintln(w, `{"id":"v1","size":1}`)
		default:
			http.Error(w, "Invalid path or request", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := t.Context()

	tests := []struct {
		name string
		call func() error
		want []string
	}{
		{"cluster list", func() error { _, err := c.ClusterList(ctx); return err }, []string{"GET /clusters"}},
		{"cluster delete", func() error { return c.ClusterDelete(ctx, "c1") }, []string{"DELETE /clusters/c1"}},
		{"node tags", func() error {
			return c.NodeSetTags(ctx, "n1", &api.TagsChangeRequest{Change: api.SetTags, Tags: map[string]string{"a": "b"}})
		}, []string{"POST /nodes/n1/tags"}},
		{"trailing slash redirect", func() error {
			r, err := c.do(ctx, "GET", "/clusters/", nil)
			if err == nil {
				err = expect(r, 200)
			}
			return err
		}, []string{"GET /clusters/", "GET /clusters"}},
		{"volume create with 303", func() error {
			v, err := c.VolumeCreate(ctx, &api.VolumeCreateRequest{Size: 1})
			if err == nil && v.ID != "v1" {
				err = fmt.Errorf("expected volume v1, got %q", v.ID)
			}
			return err
		}, []string{"POST /volumes", "GET /queue/j1", "GET /volumes/v1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			if err := tc.call(); err != nil {
				t.Fatalf("expected success, got %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(seen, ", ") != strings.Join(tc.want, ", ") {
				t.Fatalf("expected requests %q, got %q", tc.want, seen)
			}
		})
	}
}

// TestNoAuth checks that NewNoAuth sends no Authorization header, and that
// New does.
func TestNoAuth(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, "Hello from Heketi")
	}))
	defer srv.Close()
	c, err := NewNoAuth(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello(t.Context()); err != nil {
		t.Fatalf("hello: %v", err)
	}
	if h := got.Load().(string); h != "" {
		t.Fatalf("expected no Authorization header, got %q", h)
	}
	if err := newTestClient(t, srv.URL).Hello(t.Context()); err != nil {
		t.Fatalf("hello: %v", err)
	}
	if h := got.Load().(string); !strings.HasPrefix(h, "bearer ") {
		t.Fatalf("expected a bearer token, got %q", h)
	}
}

// TestNewRejects checks the constructor's argument checks.
func TestNewRejects(t *testing.T) {
	tests := []struct {
		name   string
		server string
		opts   []Option
	}{
		{"no scheme", "localhost:8080", nil},
		{"ftp", "ftp://host", nil},
		{"no host", "http://", nil},
		{"query", "http://h/?a=b", nil},
		{"negative retry", "http://h", []Option{WithRetry(-1, 0, 0)}},
		{"inverted delays", "http://h", []Option{WithRetry(1, 2*time.Second, time.Second)}},
		{"zero poll", "http://h", []Option{WithPollDelay(0)}},
		{"zero concurrency", "http://h", []Option{WithConcurrency(0)}},
		{"missing CA file", "https://h", []Option{WithTLS(TLSConfig{CAFiles: []string{"/nonexistent/ca.pem"}})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.server, "u", "k", tc.opts...); err == nil {
				t.Fatalf("expected an error for %q", tc.server)
			}
		})
	}
}

// TestRetry429 checks retries on 429: the Retry-After header is honoured,
// without it the delay is drawn from [min, max), exhausted retries surface
// Heketi's text, and only the first request of a call is retried.
func TestRetry429(t *testing.T) {
	tests := []struct {
		name       string
		busy       int    // number of 429 answers before success
		retryAfter string // header value on the 429s
		body       string // body of the 429s
		retry      Option
		wantErr    string
		wantCalls  int
		minDelay   time.Duration // bounds of each wait before a retry
		maxDelay   time.Duration // (exclusive)
	}{
		{"retry-after honoured", 1, "1", "Server busy. Retry operation later.\n", WithRetry(3, time.Millisecond, 2*time.Millisecond), "", 2, time.Second, time.Second + time.Millisecond},
		{"random delay", 2, "", "Server busy. Retry operation later.\n", WithRetry(3, 50*time.Millisecond, 60*time.Millisecond), "", 3, 50 * time.Millisecond, 60 * time.Millisecond},
		{"exhausted", 100, "", "Server busy. Retry operation later.\n", WithRetry(3, time.Millisecond, 2*time.Millisecond), "Server busy. Retry operation later.", 4, time.Millisecond, 2 * time.Millisecond},
		{"exhausted, empty body", 100, "", "", WithRetry(1, time.Millisecond, 2*time.Millisecond), "Server busy. Retry operation later.", 2, time.Millisecond, 2 * time.Millisecond},
		{"retry disabled", 100, "", "busy\n", WithRetry(0, time.Millisecond, 2*time.Millisecond), "busy", 1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if int(calls.Add(1)) <= tc.busy {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = io.WriteString(w, tc.body)
					return
				}
				fmt.Fprintln(w, `{"clusters":[]}`)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL, tc.retry)
			// The waits are recorded, not timed: a wall-clock upper bound
			// fails on a slow machine.
			var waits []time.Duration
			c.retrySleep = func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return sleep(ctx, d)
			}
			start := time.Now()
			_, err := c.ClusterList(t.Context())
			elapsed := time.Since(start)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("expected success, got %v", err)
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr || StatusCode(err) != http.StatusTooManyRequests {
					t.Fatalf("expected 429 error %q, got %v (status %d)", tc.wantErr, err, StatusCode(err))
				}
			}
			if got := int(calls.Load()); got != tc.wantCalls {
				t.Fatalf("expected %d requests, got %d", tc.wantCalls, got)
			}
			if len(waits) != tc.wantCalls-1 {
				t.Fatalf("expected a wait before each of the %d retries, got waits %v", tc.wantCalls-1, waits)
			}
			var total time.Duration
			for i, d := range waits {
				if d < tc.minDelay || d >= tc.maxDelay {
					t.Errorf("wait %d: expected in [%v, %v), got %v", i, tc.minDelay, tc.maxDelay, d)
				}
				total += d
			}
			if elapsed < total {
				t.Fatalf("expected the call to take at least its waits (%v), took %v", total, elapsed)
			}
		})
	}
}

// TestRetryWaitHonoursContext checks that a cancelled context ends a 429 wait.
func TestRetryWaitHonoursContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ClusterList(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("expected deadline exceeded soon, got %v after %v", err, time.Since(start))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("expected %v %v, got %v %v", tc.want, tc.ok, got, ok)
			}
		})
	}
}

// jobServer is a fake server whose async calls go through a scripted queue.
type jobServer struct {
	*httptest.Server
	pending int32 // pending polls before the final answer
	final   func(w http.ResponseWriter, r *http.Request)
	polls   atomic.Int32
}

func newJobServer(t *testing.T, pending int32, final func(w http.ResponseWriter, r *http.Request)) *jobServer {
	js := &jobServer{pending: pending, final: final}
	js.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := checkToken(r); msg != "" {
			http.Error(w, msg, http.StatusUnauthorized)
			return
		}
		switch {
		case r.URL.Path == "/queue/j1":
			if js.polls.Add(1) <= js.pending {
				w.Header().Set("X-Pending", "true")
				return
			}
			js.final(w, r)
		case strings.HasPrefix(r.URL.Path, "/queue/"):
			http.Error(w, "Id not found", http.StatusNotFound)
		case r.URL.Path == "/volumes/v1" && r.Method == "GET":
			fmt.Fprintln(w, `{"size":1,"name":"vol_v1","id":"v1","cluster":"c1","bricks":[]}`)
		case r.URL.Path == "/nodes/n1" && r.Method == "GET":
			fmt.Fprintln(w, `{"zone":1,"hostnames":{"manage":["m"],"storage":["s"]},"cluster":"c1","id":"n1","state":"online","devices":[]}`)
		case strings.HasPrefix(r.URL.Path, "/devices/bad/"):
			http.Error(w, "validation failed: state: bogus is not valid state.", http.StatusBadRequest)
		default:
			w.Header().Set("Location", "/queue/j1")
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	t.Cleanup(js.Close)
	return js
}

// TestAsync checks the 202 -> /queue polling protocol and its endings.
func TestAsync(t *testing.T) {
	seeOther := func(to string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusSeeOther) }
	}
	noContent := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	failed := func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "volume start: myvol: failed: Commit failed on localhost.", http.StatusInternalServerError)
	}
	emptyFail := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }
	pendingError := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Pending", "true")
		http.Error(w, "odd", http.StatusBadGateway)
	}
	tests := []struct {
		name       string
		pending    int32
		final      func(http.ResponseWriter, *http.Request)
		call       func(ctx context.Context, c *Client) error
		wantErr    string
		wantStatus int
	}{
		{"volume create: pending then 303 then 200", 3, seeOther("/volumes/v1"), func(ctx context.Context, c *Client) error {
			v, err := c.VolumeCreate(ctx, &api.VolumeCreateRequest{Size: 1})
			if err == nil && (v.ID != "v1" || v.Name != "vol_v1") {
				return fmt.Errorf("expected volume v1, got %+v", v)
			}
			return err
		}, "", 0},
		{"node add ends at the node", 1, seeOther("/nodes/n1"), func(ctx context.Context, c *Client) error {
			n, err := c.NodeAdd(ctx, &api.NodeAddRequest{})
			if err == nil && n.ID != "n1" {
				return fmt.Errorf("expected node n1, got %+v", n)
			}
			return err
		}, "", 0},
		{"node delete 204", 2, noContent, func(ctx context.Context, c *Client) error { return c.NodeDelete(ctx, "n1") }, "", 0},
		{"device resync (GET) 204", 0, noContent, func(ctx context.Context, c *Client) error { return c.DeviceResync(ctx, "d1") }, "", 0},
		{"device delete with options 204", 0, noContent, func(ctx context.Context, c *Client) error {
			return c.DeviceDeleteWithOptions(ctx, "d1", &api.DeviceDeleteOptions{ForceForget: true})
		}, "", 0},
		{"brick evict 204", 0, noContent, func(ctx context.Context, c *Client) error { return c.BrickEvict(ctx, "b1", nil) }, "", 0},
		{"cleanup 204", 0, noContent, func(ctx context.Context, c *Client) error { return c.PendingOperationCleanUp(ctx, nil) }, "", 0},
		{"job failure 500", 2, failed, func(ctx context.Context, c *Client) error { return c.DeviceAdd(ctx, &api.DeviceAddRequest{}) },
			"volume start: myvol: failed: Commit failed on localhost.", 500},
		{"job failure without text", 0, emptyFail, func(ctx context.Context, c *Client) error { return c.VolumeDelete(ctx, "v1") },
			"server did not provide a message (status 500: Internal Server Error)", 500},
		{"204 where a resource was expected", 0, noContent, func(ctx context.Context, c *Client) error {
			_, err := c.VolumeExpand(ctx, "v1", &api.VolumeExpandRequest{Size: 1})
			return err
		}, "server did not provide a message (status 204: No Content)", 204},
		{"303 where 204 was expected", 0, seeOther("/volumes/v1"), func(ctx context.Context, c *Client) error { return c.VolumeDelete(ctx, "v1") },
			`{"size":1,"name":"vol_v1","id":"v1","cluster":"c1","bricks":[]}`, 200},
		{"pending with an error status", 0, pendingError, func(ctx context.Context, c *Client) error { return c.NodeDelete(ctx, "n1") }, "odd", 502},
		{"synchronous rejection", 0, noContent, func(ctx context.Context, c *Client) error {
			return c.DeviceState(ctx, "bad", &api.StateRequest{State: "bogus"})
		}, "validation failed: state: bogus is not valid state.", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js := newJobServer(t, tc.pending, tc.final)
			c := newTestClient(t, js.URL)
			err := tc.call(t.Context(), c)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("expected success, got %v", err)
				}
				if got := js.polls.Load(); got != tc.pending+1 {
					t.Fatalf("expected %d polls, got %d", tc.pending+1, got)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Message != tc.wantErr || e.StatusCode != tc.wantStatus {
				t.Fatalf("expected *Error %d %q, got %#v", tc.wantStatus, tc.wantErr, err)
			}
		})
	}
}

// TestPollCancel checks that cancelling the context stops polling promptly.
// The deadline passes once the server has answered three polls, not after a
// fixed time that a slow machine could spend before the third poll.
func TestPollCancel(t *testing.T) {
	js := newJobServer(t, 1<<30, nil)
	ctx := testctx.NewExpiring(t.Context())
	var expired atomic.Int64 // UnixNano when the deadline passed
	inner := js.Config.Handler
	js.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r)
		if strings.HasPrefix(r.URL.Path, "/queue/") && js.polls.Load() == 3 {
			expired.Store(time.Now().UnixNano())
			ctx.Expire()
		}
	})
	c := newTestClient(t, js.URL)
	err := c.NodeDelete(ctx, "n1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expected context.DeadlineExceeded, got %v", err)
	}
	if d := time.Since(time.Unix(0, expired.Load())); d > 2*time.Second {
		t.Fatalf("expected the call to end soon after the deadline, took %v", d)
	}
	if n := js.polls.Load(); n < 3 || n > 4 {
		t.Fatalf("expected three polls before the deadline and at most one more, got %d", n)
	}
}

// TestPollBackoff checks that the poll delay grows and is capped.
func TestPollBackoff(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	js := newJobServer(t, 6, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	inner := js.Config.Handler
	js.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/queue/") {
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
		}
		inner.ServeHTTP(w, r)
	})
	c := newTestClient(t, js.URL, WithPollDelay(20*time.Millisecond))
	if err := c.NodeDelete(t.Context(), "n1"); err != nil {
		t.Fatal(err)
	}
	// Delays 20, 30, 45, 67.5, 101, 152 ms: 415 ms in all.
	total := times[len(times)-1].Sub(times[0])
	if total < 400*time.Millisecond || total > 2*time.Second {
		t.Fatalf("expected about 415ms of polling with growing delays, got %v", total)
	}
}

// TestErrors checks how unexpected answers become *Error values.
func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantMsg string
	}{
		{"not found", 404, "Id not found\n", "Id not found"},
		{"conflict with inner newline", 409, "Hostname h already used by node with id x\n\n", "Hostname h already used by node with id x"},
		{"empty", 500, "", "server did not provide a message (status 500: Internal Server Error)"},
		{"unauthorized", 401, "Invalid qsh claim in token\n", "Invalid qsh claim in token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := newTestClient(t, srv.URL).ClusterInfo(t.Context(), "c1")
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != tc.status || e.Message != tc.wantMsg || err.Error() != tc.wantMsg {
				t.Fatalf("expected *Error %d %q, got %#v", tc.status, tc.wantMsg, err)
			}
			if StatusCode(err) != tc.status || StatusCode(fmt.Errorf("wrapped: %w", err)) != tc.status {
				t.Fatalf("expected StatusCode %d", tc.status)
			}
		})
	}
}

// TestBackupDb checks that the database backup is streamed as it arrives
// (the server only sends the second half after the client has written the
// first into its writer), that a 429 is retried, and that errors come back
// as *Error.
func TestBackupDb(t *testing.T) {
	payload := bytes.Repeat([]byte("bolt-page-"), 400_000) // 4 MB
	half := len(payload) / 2
	fail := atomic.Bool{}
	var busy atomic.Int32
	busy.Store(1)
	firstWrite := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := checkToken(r); msg != "" || r.URL.Path != "/backup/db" {
			http.Error(w, msg+" "+r.URL.Path, http.StatusUnauthorized)
			return
		}
		if fail.Load() {
			http.Error(w, "Unable to access db", http.StatusInternalServerError)
			return
		}
		if busy.Add(-1) >= 0 {
			http.Error(w, "Server busy. Retry operation later.", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="heketi.db"`)
		_, _ = w.Write(payload[:half])
		w.(http.Flusher).Flush()
		select {
		case <-firstWrite:
		case <-time.After(5 * time.Second):
			return // the client is buffering: it gets a short body and fails
		}
		_, _ = w.Write(payload[half:])
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	sink := &signalWriter{first: firstWrite}
	if err := c.BackupDb(t.Context(), sink); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !bytes.Equal(sink.buf.Bytes(), payload) {
		t.Fatalf("expected %d bytes as sent (after one 429), got %d", len(payload), sink.buf.Len())
	}
	if busy.Load() != -1 {
		t.Fatalf("expected one 429 and one retry, counter at %d", busy.Load())
	}
	fail.Store(true)
	err := c.BackupDb(t.Context(), io.Discard)
	if StatusCode(err) != 500 || err.Error() != "Unable to access db" {
		t.Fatalf("expected 500 Unable to access db, got %v", err)
	}
}

// signalWriter collects bytes and closes first on the first write.
type signalWriter struct {
	buf   bytes.Buffer
	first chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.first) })
	return w.buf.Write(p)
}

// TestTextCalls checks the calls that return raw JSON text or simple JSON.
func TestTextCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /db/dump":
			_, _ = io.WriteString(w, "{\n    \"clusterentries\": {}\n}\n")
		case "GET /db/check":
			_, _ = io.WriteString(w, `{"totalinconsistencies": 2}`)
		case "GET /internal/state/examine/gluster":
			_, _ = io.WriteString(w, `{"report":[]}`)
		case "GET /internal/logging", "POST /internal/logging":
			_, _ = io.WriteString(w, `{"loglevel":{"glusterfs":"info"}}`)
		case "GET /admin":
			_, _ = io.WriteString(w, `{"state":"read-only"}`)
		case "POST /admin":
			w.WriteHeader(http.StatusNoContent)
		case "GET /operations":
			_, _ = io.WriteString(w, `{"total":1,"in_flight":1,"stale":0,"failed":0,"new":1}`)
		case "GET /operations/pending":
			_, _ = io.WriteString(w, `{"pendingoperations":[{"id":"p1","type_name":"create-volume","status":"","sub_status":"in-flight"}]}`)
		case "GET /operations/pending/p1":
			_, _ = io.WriteString(w, `{"id":"p1","type_name":"create-volume","status":"","sub_status":"","changes":[{"id":"b","description":"Add brick"}]}`)
		case "POST /operations/pending/cleanup":
			w.WriteHeader(http.StatusOK)
		default:
			http.Error(w, "Invalid path or request", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := t.Context()
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: expected %v, got %v", what, want, got)
		}
	}
	dump, err := c.DbDump(ctx)
	check("db dump", fmt.Sprint(dump, err), fmt.Sprint("{\n    \"clusterentries\": {}\n}\n", nil))
	chk, err := c.DbCheck(ctx)
	check("db check", fmt.Sprint(chk, err), fmt.Sprint(`{"totalinconsistencies": 2}`, nil))
	ex, err := c.StateExamineGluster(ctx)
	check("examine", fmt.Sprint(ex, err), fmt.Sprint(`{"report":[]}`, nil))
	ll, err := c.LogLevelGet(ctx)
	check("log level", fmt.Sprint(ll.LogLevel["glusterfs"], err), fmt.Sprint("info", nil))
	check("log level set", c.LogLevelSet(ctx, &api.LogLevelInfo{LogLevel: map[string]string{"glusterfs": "info"}}), nil)
	as, err := c.AdminStatusGet(ctx)
	check("admin get", fmt.Sprint(as.State, err), fmt.Sprint("read-only", nil))
	check("admin set", c.AdminStatusSet(ctx, &api.AdminStatus{State: api.AdminStateNormal}), nil)
	oi, err := c.OperationsInfo(ctx)
	check("operations", fmt.Sprint(*oi, err), fmt.Sprint(api.OperationsInfo{Total: 1, InFlight: 1, New: 1}, nil))
	pl, err := c.PendingOperationList(ctx)
	check("pending list", fmt.Sprint(len(pl.PendingOperations), pl.PendingOperations[0].SubStatus, err), fmt.Sprint(1, "in-flight", nil))
	pd, err := c.PendingOperationDetails(ctx, "p1")
	check("pending details", fmt.Sprint(pd.Changes[0].Description, err), fmt.Sprint("Add brick", nil))
	check("cleanup answered 200", c.PendingOperationCleanUp(ctx, &api.PendingOperationsCleanRequest{Operations: []string{"p1"}}), nil)
	_, err = c.BlockVolumeList(ctx)
	check("unknown route", fmt.Sprint(StatusCode(err), " ", err), "404 Invalid path or request")
}

// TestRedirectToOtherHost checks that a redirect to another host is followed
// without sending the token there.
func TestRedirectToOtherHost(t *testing.T) {
	var auth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		fmt.Fprintln(w, `{"clusters":[]}`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/clusters", http.StatusFound)
	}))
	defer srv.Close()
	if _, err := newTestClient(t, srv.URL).ClusterList(t.Context()); err != nil {
		t.Fatalf("expected the redirect to be followed, got %v", err)
	}
	if h, _ := auth.Load().(string); h != "" {
		t.Fatalf("expected no token sent to another host, got %q", h)
	}
}

// TestConcurrencyLimit checks that WithConcurrency bounds requests in flight.
func TestConcurrencyLimit(t *testing.T) {
	var inFlight, peak atomic.Int32
	// The first requests wait until two are in flight at once, so that
	// "more than 1" does not depend on how the machine schedules them; a
	// client that sends one at a time fails after 10s.
	overlap := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n >= 2 {
			once.Do(func() { close(overlap) })
		}
		select {
		case <-overlap:
		case <-time.After(10 * time.Second):
		}
		time.Sleep(2 * time.Millisecond)
		fmt.Fprintln(w, `{"clusters":[]}`)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, WithConcurrency(3))
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, err := c.ClusterList(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 2 {
		t.Fatalf("expected at most 3 (and more than 1) requests in flight, peak was %d", p)
	}
}

// TestPoll429NotRetried checks that only the first request of a call is
// retried on 429: a 429 while polling ends the call.
func TestPoll429NotRetried(t *testing.T) {
	js := newJobServer(t, 0, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Server busy. Retry operation later.", http.StatusTooManyRequests)
	})
	err := newTestClient(t, js.URL).NodeDelete(t.Context(), "n1")
	if StatusCode(err) != http.StatusTooManyRequests || js.polls.Load() != 1 {
		t.Fatalf("expected the poll's 429 as the error after one poll, got %v after %d polls", err, js.polls.Load())
	}
}
