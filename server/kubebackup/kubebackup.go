// Package kubebackup keeps a copy of the database in a Kubernetes Secret, as
// Heketi's backup_db_to_kube_secret does (facts 3.6): after every request
// that may have changed something, the bbolt file is gzipped into the data
// key heketi.db.gz of a Secret (default heketi-db-backup) in the server's
// namespace.
//
// Better than Heketi: the copy is a consistent snapshot taken from a read
// transaction, requests never wait for it, and bursts of changes are
// coalesced into one upload instead of one per request.
package kubebackup

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/negroni"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// DataKey is the Secret data key holding the gzipped database.
const DataKey = "heketi.db.gz"

// Options configure a Backup.
type Options struct {
	// Config reaches the Kubernetes API server (rest.InClusterConfig in a pod).
	Config *rest.Config
	// Namespace and SecretName locate the Secret.
	Namespace, SecretName string
	// Snapshot writes a consistent copy of the database (db.BoltStore.Backup).
	Snapshot func(w io.Writer) (int64, error)
	// Delay coalesces changes: an upload starts this long after the first
	// change not yet uploaded (default 1 s).
	Delay time.Duration
	// Log receives failures; nil discards them.
	Log *logrus.Entry
}

// Backup uploads the database to the Secret when triggered.
type Backup struct {
	o       Options
	client  *http.Client
	base    string
	wake    chan struct{}
	mu      sync.Mutex
	lastErr error
	uploads int
}

// New checks the options and prepares the API client.
func New(o Options) (*Backup, error) {
	if o.Config == nil || o.Namespace == "" || o.SecretName == "" || o.Snapshot == nil {
		return nil, fmt.Errorf("kube DB backup needs an API config, a namespace, a secret name and a snapshot source")
	}
	if o.Delay <= 0 {
		o.Delay = time.Second
	}
	if o.Log == nil {
		l := logrus.New()
		l.Out = io.Discard
		o.Log = logrus.NewEntry(l)
	}
	hc, err := rest.HTTPClientFor(o.Config)
	if err != nil {
		return nil, fmt.Errorf("kube DB backup: %w", err)
	}
	return &Backup{o: o, client: hc, base: strings.TrimSuffix(o.Config.Host, "/"), wake: make(chan struct{}, 1)}, nil
}

// Trigger asks for an upload; it never blocks.
func (b *Backup) Trigger() {
	select {
	case b.wake <- struct{}{}:
	default: // one is already pending
	}
}

// Run uploads after each trigger until ctx ends, then makes a last upload of
// anything still pending.
func (b *Backup) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			select {
			case <-b.wake:
				b.upload(context.Background())
			default:
			}
			return
		case <-b.wake:
		}
		select {
		case <-time.After(b.o.Delay):
		case <-ctx.Done():
		}
		b.upload(ctx)
	}
}

// Middleware triggers an upload after requests that may have changed the
// database: every non-GET request, and job polls that found a finished job
// (204 or 303), as Heketi does.
func (b *Backup) Middleware() negroni.Handler {
	return negroni.HandlerFunc(func(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
		next(w, r)
		status := 0
		if rw, ok := w.(negroni.ResponseWriter); ok {
			status = rw.Status()
		}
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			b.Trigger()
		case strings.HasPrefix(r.URL.Path, "/queue/") && (status == http.StatusNoContent || status == http.StatusSeeOther):
			b.Trigger()
		}
	})
}

// Stats returns how many uploads succeeded and the last error.
func (b *Backup) Stats() (uploads int, lastErr error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.uploads, b.lastErr
}

func (b *Backup) upload(ctx context.Context) {
	err := b.uploadOnce(ctx)
	b.mu.Lock()
	b.lastErr = err
	if err == nil {
		b.uploads++
	}
	b.mu.Unlock()
	if err != nil {
		b.o.Log.WithError(err).Error("backing up the database to the Kubernetes secret failed")
	}
}

func (b *Backup) uploadOnce(ctx context.Context) error {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := b.o.Snapshot(zw); err != nil {
		return fmt.Errorf("database snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	secret := corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: b.o.SecretName, Namespace: b.o.Namespace},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{DataKey: gz.Bytes()},
	}
	body, err := json.Marshal(secret)
	if err != nil {
		return err
	}
	coll := fmt.Sprintf("%s/api/v1/namespaces/%s/secrets", b.base, b.o.Namespace)
	status, msg, err := b.send(ctx, http.MethodPut, coll+"/"+b.o.SecretName, body)
	if err != nil {
		return err
	}
	if status == http.StatusNotFound {
		if status, msg, err = b.send(ctx, http.MethodPost, coll, body); err != nil {
			return err
		}
	}
	if status/100 != 2 {
		return fmt.Errorf("kubernetes API answered %d: %s", status, msg)
	}
	return nil
}

func (b *Backup) send(ctx context.Context, method, url string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(msg)), nil
}
