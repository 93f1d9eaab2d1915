package glusterfs

import (
	"context"
	"sync"
	"time"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
)

// Node health monitor (facts 9.6): every so often run the glusterd check on
// each online node's manage host and remember the answer, so the allocator
// does not place bricks on a node whose glusterd is down. The cache lives in
// memory only; an unknown or expired entry counts as healthy, as in Heketi.

const (
	// healthTTL is how long a probe result counts (Heketi: 2 h).
	healthTTL = 2 * time.Hour
	// healthCheckTimeout bounds one node's glusterd check; a hung host must
	// not hold up the pass (cmdexec's own limit is 10 min).
	healthCheckTimeout = time.Minute
	// healthParallel bounds the checks run at once in one pass.
	healthParallel = 8
)

// nodeHealth is the last probe result of one node.
type nodeHealth struct {
	up      bool
	checked time.Time
}

// background is the state of the app's background tasks (health monitor and
// stale-operation cleaner). Its zero value is ready to use.
type background struct {
	wg sync.WaitGroup // running StartHealthMonitor / StartBackgroundCleaner loops

	mu     sync.Mutex
	health map[string]nodeHealth // node id -> last probe
}

// NodeHealthy reports whether the node's glusterd answered its last check.
// A node that was never checked, or whose result is older than two hours,
// counts as healthy.
func (a *App) NodeHealthy(nodeID string) bool {
	a.bg.mu.Lock()
	defer a.bg.mu.Unlock()
	h, ok := a.bg.health[nodeID]
	if !ok || time.Since(h.checked) > healthTTL {
		return true
	}
	return h.up
}

// CheckNodes runs one health-monitor pass: the glusterd check on the manage
// host of every online node, at most healthParallel at a time. Results of
// nodes that are no longer online are forgotten. It returns the number of
// nodes found down, or an error when the node list cannot be read.
func (a *App) CheckNodes(ctx context.Context) (down int, err error) {
	type target struct{ id, host string }
	var targets []target
	err = a.store.View(func(r db.Reader) error {
		ids, err := r.NodeIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			n, err := r.Node(id)
			if err != nil {
				return err
			}
			if n.State == api.EntryStateOnline && n.ManageHost() != "" {
				targets = append(targets, target{id: n.ID, host: n.ManageHost()})
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}

	results := make([]nodeHealth, len(targets))
	sem := make(chan struct{}, healthParallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, healthCheckTimeout)
			defer cancel()
			cerr := a.exec.GlusterdCheck(cctx, t.host)
			results[i] = nodeHealth{up: cerr == nil, checked: time.Now()}
			if cerr != nil {
				a.log.WithFields(map[string]any{"node": t.id, "host": t.host}).WithError(cerr).Debug("glusterd check failed")
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		// Checks cut short by shutdown say nothing about the nodes.
		return 0, ctx.Err()
	}

	a.bg.mu.Lock()
	defer a.bg.mu.Unlock()
	old := a.bg.health
	a.bg.health = make(map[string]nodeHealth, len(targets))
	for i, t := range targets {
		h := results[i]
		a.bg.health[t.id] = h
		prev, known := old[t.id]
		log := a.log.WithFields(map[string]any{"node": t.id, "host": t.host})
		switch {
		case !h.up:
			down++
			if !known || prev.up {
				log.Warn("glusterd is down on node; no new bricks will be placed there")
			}
		case known && !prev.up:
			log.Info("glusterd is up again on node")
		}
	}
	return down, nil
}

// StartHealthMonitor runs CheckNodes in the background: first after start,
// then every period, until ctx ends. Use WaitBackground to wait for it to
// return after cancelling ctx.
func (a *App) StartHealthMonitor(ctx context.Context, start, every time.Duration) {
	a.runPeriodically(ctx, "health monitor", start, every, func(ctx context.Context) {
		if down, err := a.CheckNodes(ctx); err != nil && ctx.Err() == nil {
			a.log.WithError(err).Error("node health monitor pass failed")
		} else if err == nil {
			a.log.WithField("down", down).Debug("node health monitor pass done")
		}
	})
}

// WaitBackground waits until every loop started by StartHealthMonitor and
// StartBackgroundCleaner has returned (they return once their context ends).
// Call it before closing the store.
func (a *App) WaitBackground() { a.bg.wg.Wait() }

// runPeriodically calls pass after start and then every period (a period of
// 0 or less runs it once) until ctx ends.
func (a *App) runPeriodically(ctx context.Context, name string, start, every time.Duration, pass func(context.Context)) {
	a.bg.wg.Add(1)
	go func() {
		defer a.bg.wg.Done()
		a.log.WithFields(map[string]any{"task": name, "start": start.String(), "every": every.String()}).Info("background task started")
		timer := time.NewTimer(max(start, 0))
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			pass(ctx)
			if every <= 0 {
				return
			}
			timer.Reset(every)
		}
	}()
}

// Ready reports whether the app can serve: the store answers a read.
func (a *App) Ready() error {
	return a.store.View(func(db.Reader) error { return nil })
}
