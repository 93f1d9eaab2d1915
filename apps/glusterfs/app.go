// Package glusterfs holds Basalt's use cases: the cluster, node, device (and
// later volume) operations behind the REST API. It knows nothing of HTTP: each
// use case validates its request, changes the store through typed transactions
// and, for work that touches storage nodes, returns a Job for the async runner.
//
// Every change that touches nodes follows the same discipline (STYLE rule 6):
// persist the intent as a pending operation before the first command, record
// each step as it starts and finishes, then finalize or roll back. Recover
// finishes or undoes what a crash left behind.
package glusterfs

import (
	"context"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/internal/errs"
)

// Job is the asynchronous part of a use case. It returns the path of the
// resource the client should be sent to when done ("" for none).
type Job func(ctx context.Context) (location string, err error)

// Options configure an App.
type Options struct {
	// Log receives the app's structured logs. Required.
	Log *logrus.Entry
	// Config holds the volume policy (glusterfs object of heketi.json).
	Config Config
}

// Config is the volume policy the app enforces. Zero values take Heketi's
// defaults (see withDefaults).
type Config struct {
	BrickMinSizeGB            int    // smallest brick (1)
	BrickMaxSizeGB            int    // largest brick (4096)
	MaxBricksPerVolume        int    // (32)
	MaxVolumesPerCluster      int    // (1000); negative: unlimited
	ZoneChecking              string // none | strict
	PreRequestVolumeOptions   string // comma-separated "key value" options put first
	PostRequestVolumeOptions  string // put last
	BlockHostingVolumeOptions string // ("group gluster-block")
	AverageFileSizeKB         uint64 // arbiter sizing (64)
	VolumeCreateRetries       int    // retries after a failed create (4)
	MaxInflightOperations     int    // throttle (8)
	// AutoCreateBlockHostingVolume creates a block-hosting volume when no
	// existing one can take a new block volume.
	AutoCreateBlockHostingVolume bool
	BlockHostingVolumeSizeGB     int    // size of auto-created block-hosting volumes (1024)
	BlockPrealloc                string // gluster-block prealloc value; "": the executor's default
}

func (c Config) withDefaults() Config {
	if c.BrickMinSizeGB <= 0 {
		c.BrickMinSizeGB = 1
	}
	if c.BrickMaxSizeGB <= 0 {
		c.BrickMaxSizeGB = 4096
	}
	if c.MaxBricksPerVolume <= 0 {
		c.MaxBricksPerVolume = 32
	}
	if c.MaxVolumesPerCluster == 0 {
		c.MaxVolumesPerCluster = 1000
	}
	if c.ZoneChecking == "" {
		c.ZoneChecking = "none"
	}
	if c.AverageFileSizeKB == 0 {
		c.AverageFileSizeKB = 64
	}
	if c.VolumeCreateRetries <= 0 {
		c.VolumeCreateRetries = 4
	}
	if c.MaxInflightOperations <= 0 {
		c.MaxInflightOperations = 8
	}
	return c
}

// App implements the use cases.
type App struct {
	store db.Store
	exec  executors.Executor
	log   *logrus.Entry
	cfg   Config

	// inflight counts throttled operations (Heketi's max_inflight_operations).
	inflight chan struct{}

	// clusterLocks serialises changes to a cluster's trusted pool (node add and
	// delete), so two nodes added at once are probed one after the other from a
	// node that is already a member.
	mu           sync.Mutex
	clusterLocks map[string]*sync.Mutex
	tracked      map[string]bool // operations a running job is working on

	bg background // health monitor and cleaner state (health.go)
}

// New returns an App over a store and an executor.
func New(store db.Store, exec executors.Executor, opts Options) *App {
	log := opts.Log
	if log == nil {
		l := logrus.New()
		log = logrus.NewEntry(l)
	}
	cfg := opts.Config.withDefaults()
	return &App{
		store:        store,
		exec:         exec,
		log:          log,
		cfg:          cfg,
		inflight:     make(chan struct{}, cfg.MaxInflightOperations),
		clusterLocks: map[string]*sync.Mutex{},
		tracked:      map[string]bool{},
	}
}

// clusterLock returns the pool-membership lock of a cluster.
func (a *App) clusterLock(clusterID string) *sync.Mutex {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.clusterLocks[clusterID]
	if !ok {
		l = &sync.Mutex{}
		a.clusterLocks[clusterID] = l
	}
	return l
}

// acquire takes one in-flight operation slot or fails with Heketi's 429.
func (a *App) acquire() (release func(), err error) {
	select {
	case a.inflight <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-a.inflight }) }, nil
	default:
		return nil, errs.New(errs.Busy, errs.TextBusy)
	}
}

// InFlight returns the number of throttled operations running now.
func (a *App) InFlight() int { return len(a.inflight) }
