package kubebackup

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/negroni"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/basalt-storage/basalt/db"
)

// fakeAPI is a minimal Kubernetes API server for Secrets: PUT replaces an
// existing secret (404 when missing), POST creates one.
type fakeAPI struct {
	mu      sync.Mutex
	secrets map[string]corev1.Secret
	calls   []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	var s corev1.Secret
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPut:
		if _, ok := f.secrets[r.URL.Path]; !ok {
			http.Error(w, `{"kind":"Status","reason":"NotFound"}`, http.StatusNotFound)
			return
		}
		f.secrets[r.URL.Path] = s
	case http.MethodPost:
		f.secrets[r.URL.Path+"/"+s.Name] = s
		w.WriteHeader(http.StatusCreated)
	}
	_ = json.NewEncoder(w).Encode(s)
}

func (f *fakeAPI) secret(path string) (corev1.Secret, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[path]
	return s, ok
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUploadsAConsistentSnapshotAndReplacesIt(t *testing.T) {
	api := &fakeAPI{secrets: map[string]corev1.Secret{}}
	srv := httptest.NewServer(api)
	defer srv.Close()

	store, err := db.Open(filepath.Join(t.TempDir(), "heketi.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Update(func(w db.Writer) error { return w.PutCluster(&db.Cluster{ID: "c1", File: true}) }); err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{Config: &rest.Config{Host: srv.URL}, Namespace: "ns", SecretName: "heketi-db-backup",
		Snapshot: store.Backup, Delay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Both triggers come before Run starts: a Run already waiting would take
	// the first at once, and the second would then be a change of its own,
	// uploaded once more (an extra PUT) at a time the test does not control.
	b.Trigger()
	b.Trigger() // coalesced with the first
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	waitUploads(t, b, 1)
	path := "/api/v1/namespaces/ns/secrets/heketi-db-backup"
	s, ok := api.secret(path)
	if !ok {
		t.Fatalf("secret not created; API calls: %v", api.calls)
	}
	// The data is a gzipped bbolt file that opens and holds the cluster.
	file := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(file, gunzip(t, s.Data[DataKey]), 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := db.Open(file, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the backup must open as a database: %v", err)
	}
	if err := restored.View(func(r db.Reader) error { _, err := r.Cluster("c1"); return err }); err != nil {
		t.Fatalf("the backup must hold the cluster: %v", err)
	}
	restored.Close()

	// A later change replaces the secret (PUT), it is not created again.
	if err := store.Update(func(w db.Writer) error { return w.PutCluster(&db.Cluster{ID: "c2"}) }); err != nil {
		t.Fatal(err)
	}
	b.Trigger()
	waitUploads(t, b, 2)
	cancel()
	<-done
	api.mu.Lock()
	calls := strings.Join(api.calls, ",")
	api.mu.Unlock()
	want := "PUT " + path + ",POST /api/v1/namespaces/ns/secrets,PUT " + path
	if calls != want {
		t.Fatalf("API calls:\nexpected %s\ngot      %s", want, calls)
	}
}

func waitUploads(t *testing.T, b *Backup, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		up, err := b.Stats()
		if up >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("expected %d uploads, got %d (last error %v)", n, up, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMiddlewareTriggersAfterChanges(t *testing.T) {
	b := &Backup{wake: make(chan struct{}, 1)}
	status := http.StatusOK
	chain := negroni.New(b.Middleware())
	chain.UseHandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
	cases := []struct {
		method, path string
		status       int
		trigger      bool
	}{
		{"GET", "/clusters", 200, false},
		{"POST", "/clusters", 201, true},
		{"DELETE", "/volumes/abc", 202, true},
		{"GET", "/queue/abc", 200, false}, // still pending
		{"GET", "/queue/abc", 303, true},  // finished with a resource
		{"GET", "/queue/abc", 204, true},  // finished
		{"GET", "/queue/abc", 500, false}, // failed: nothing changed
	}
	for _, c := range cases {
		status = c.status
		chain.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil))
		got := false
		select {
		case <-b.wake:
			got = true
		default:
		}
		if got != c.trigger {
			t.Errorf("%s %s -> %d: trigger %v, want %v", c.method, c.path, c.status, got, c.trigger)
		}
	}
}
