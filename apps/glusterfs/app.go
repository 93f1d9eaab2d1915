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
)

// Job is the asynchronous part of a use case. It returns the path of the
// resource the client should be sent to when done ("" for none).
type Job func(ctx context.Context) (location string, err error)

// Options configure an App.
type Options struct {
	// Log receives the app's structured logs. Required.
	Log *logrus.Entry
}

// App implements the use cases.
type App struct {
	store db.Store
	exec  executors.Executor
	log   *logrus.Entry

	// clusterLocks serialises changes to a cluster's trusted pool (node add and
	// delete), so two nodes added at once are probed one after the other from a
	// node that is already a member.
	mu           sync.Mutex
	clusterLocks map[string]*sync.Mutex
}

// New returns an App over a store and an executor.
func New(store db.Store, exec executors.Executor, opts Options) *App {
	log := opts.Log
	if log == nil {
		l := logrus.New()
		log = logrus.NewEntry(l)
	}
	return &App{store: store, exec: exec, log: log, clusterLocks: map[string]*sync.Mutex{}}
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
