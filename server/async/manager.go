// Package async runs Basalt's long operations in the background and answers
// Heketi's asynchronous job protocol for them (heketi-facts.md §3).
//
// A handler that accepts an asynchronous request submits a Func to the Manager
// and answers 202 with WriteAccepted; the client then polls GET /queue/<id>,
// which ServeStatus answers with 200 and X-Pending while the job waits or runs,
// and with 303, 204 or 500 once it has finished.
//
// Unlike Heketi, which forgets a result on the first read that observes it, the
// Manager keeps a finished result readable for Options.Retention after that
// first read, so a client whose response was lost can poll again; results that
// are never read are dropped after Options.UnreadRetention. At most
// Options.MaxRunning jobs run at a time; the rest wait in submission order.
package async

import (
	"context"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// Defaults applied by New to zero-valued Options fields.
const (
	// DefaultMaxRunning bounds concurrently running jobs when Options.MaxRunning
	// is zero or negative. It matches Heketi's default max_inflight_operations.
	DefaultMaxRunning = 8
	// DefaultRetention is how long a finished result stays readable after it
	// was first read.
	DefaultRetention = 10 * time.Minute
	// DefaultUnreadRetention is how long a finished result that nobody has
	// read is kept.
	DefaultUnreadRetention = 24 * time.Hour
)

// Texts of the errors the Manager itself produces.
const (
	textShuttingDown   = "server is shutting down"
	textNotStarted     = "server shut down before the job started"
	textInternalPrefix = "internal error: "
)

// Result is what a successful job produces. An empty Location makes the job
// end in 204 No Content; otherwise polling ends in 303 See Other to Location,
// which must be a bare absolute path such as /volumes/<id> (Heketi's Python
// client prepends its base URL to it).
type Result struct {
	Location string
}

// Func is the body of a job. ctx is derived from the Manager's own context,
// not from the HTTP request that submitted the job, and is cancelled only when
// Shutdown runs out of time; a job should then stop at a safe point and return.
// A returned error becomes the text of the 500 answer, verbatim, so a Func
// returns errors rather than logging them.
type Func func(ctx context.Context) (Result, error)

// Options configures a Manager. Zero values select the defaults.
type Options struct {
	// MaxRunning bounds the number of jobs running at once; further jobs wait
	// in FIFO order and poll as pending. Zero or negative means DefaultMaxRunning.
	MaxRunning int
	// Retention is how long a finished job's result stays readable after it
	// was first read. Zero means DefaultRetention; a negative value forgets
	// the result on its first read, as Heketi does.
	Retention time.Duration
	// UnreadRetention is how long a finished job's result that was never read
	// is kept. Zero or negative means DefaultUnreadRetention.
	UnreadRetention time.Duration
	// Logger receives job lifecycle logs. Nil means the logrus standard logger.
	Logger *logrus.Entry
	// Now is the clock, replaceable in tests. Nil means time.Now.
	Now func() time.Time
}

// Stats is a snapshot of the job table, for metrics and tests.
type Stats struct {
	Running  int // jobs whose Func is executing
	Waiting  int // jobs queued behind MaxRunning
	Finished int // finished jobs whose result is still readable
}

// state is a job's position in its lifecycle.
type state int

const (
	waiting state = iota
	running
	finished
)

// job is one entry of the job table. id, name and fn never change; state,
// result, err and finishedAt are guarded by Manager.mu; readAt is set once,
// atomically, by the first poll that observes the finished job, so polls only
// need the read lock.
type job struct {
	id   string
	name string
	fn   Func

	state      state
	result     Result
	err        error
	finishedAt time.Time

	readAt atomic.Pointer[time.Time]
}

// Manager runs jobs in the background with bounded concurrency and keeps
// their results for polling. Create one with New; its methods are safe for
// concurrent use.
type Manager struct {
	maxRunning      int
	retention       time.Duration
	unreadRetention time.Duration
	sweepEvery      time.Duration
	log             *logrus.Entry
	now             func() time.Time

	// ctx is the parent of every job's context; cancel is called when
	// Shutdown runs out of time, or after it has drained.
	ctx    context.Context
	cancel context.CancelFunc

	// workers counts worker goroutines; one exists per running job.
	workers sync.WaitGroup

	mu        sync.RWMutex
	jobs      map[string]*job
	queue     []*job // waiting jobs, oldest first
	running   int
	closing   bool
	nextSweep time.Time
}

// New returns a Manager configured by opts, ready to accept jobs.
func New(opts Options) *Manager {
	if opts.MaxRunning <= 0 {
		opts.MaxRunning = DefaultMaxRunning
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.UnreadRetention <= 0 {
		opts.UnreadRetention = DefaultUnreadRetention
	}
	if opts.Logger == nil {
		opts.Logger = logrus.NewEntry(logrus.StandardLogger())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Expired entries are answered 404 as soon as they expire; the sweep only
	// frees their memory, so it can run far less often than the retention.
	sweep := min(opts.Retention, opts.UnreadRetention) / 2
	sweep = max(sweep, time.Second)
	sweep = min(sweep, time.Minute)

	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{
		maxRunning:      opts.MaxRunning,
		retention:       opts.Retention,
		unreadRetention: opts.UnreadRetention,
		sweepEvery:      sweep,
		log:             opts.Logger,
		now:             opts.Now,
		ctx:             ctx,
		cancel:          cancel,
		jobs:            make(map[string]*job),
	}
}

// Submit queues fn under a fresh job id and returns the id. name labels the
// job in logs. The job starts at once if fewer than MaxRunning jobs are
// running, otherwise after the jobs submitted before it. Once Shutdown has
// begun, Submit returns an error of kind errs.Unavailable.
//
// Submit is also where expired results are dropped from memory (at most once
// a minute); without submissions the table does not grow, and expired results
// already answer 404.
func (m *Manager) Submit(name string, fn Func) (string, error) {
	j := &job{id: idgen.New(), name: name, fn: fn}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return "", errs.New(errs.Unavailable, textShuttingDown)
	}
	now := m.now()
	if !now.Before(m.nextSweep) {
		m.sweepLocked(now)
		m.nextSweep = now.Add(m.sweepEvery)
	}
	m.jobs[j.id] = j
	if m.running < m.maxRunning {
		m.startLocked(j)
	} else {
		m.queue = append(m.queue, j)
	}
	m.log.WithFields(logrus.Fields{"job": j.id, "name": name}).Debug("async job submitted")
	return j.id, nil
}

// startLocked marks j running and gives it a worker goroutine. m.mu is held
// and m.closing is false, so the WaitGroup never grows while Shutdown waits.
func (m *Manager) startLocked(j *job) {
	j.state = running
	m.running++
	m.workers.Add(1)
	go m.work(j)
}

// work runs j, then keeps taking the oldest waiting job until the queue is
// empty or Shutdown has begun.
func (m *Manager) work(j *job) {
	defer m.workers.Done()
	for j != nil {
		res, err := m.execute(j)

		m.mu.Lock()
		m.finishLocked(j, res, err)
		j = nil
		if !m.closing && len(m.queue) > 0 {
			j = m.queue[0]
			m.queue[0] = nil
			m.queue = m.queue[1:]
			j.state = running
		} else {
			m.running--
		}
		m.mu.Unlock()
	}
}

// execute calls j's Func, turning a panic into an internal error and a
// malformed Location into one too.
func (m *Manager) execute(j *job) (res Result, err error) {
	log := m.log.WithFields(logrus.Fields{"job": j.id, "name": j.name})
	start := m.now()
	log.Debug("async job started")
	defer func() {
		if p := recover(); p != nil {
			log.WithField("stack", string(debug.Stack())).Errorf("async job panicked: %v", p)
			res, err = Result{}, errs.Newf(errs.Internal, "%s%v", textInternalPrefix, p)
			return
		}
		if err == nil && res.Location != "" && !isBarePath(res.Location) {
			log.Errorf("async job returned location %q, which is not a bare path", res.Location)
			res, err = Result{}, errs.Newf(errs.Internal, "%sinvalid job result location %q", textInternalPrefix, res.Location)
			return
		}
		log = log.WithField("duration", m.now().Sub(start))
		if err != nil {
			// The job returned its error to us; this is where it ends up, so it
			// is logged here once (and sent to the client on the next poll).
			log.WithError(err).Error("async job failed")
		} else {
			log.WithField("location", res.Location).Debug("async job finished")
		}
	}()
	return j.fn(m.ctx)
}

// isBarePath reports whether loc is an absolute path without scheme or host.
func isBarePath(loc string) bool {
	return strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//")
}

// finishLocked records j's outcome. m.mu is held.
func (m *Manager) finishLocked(j *job, res Result, err error) {
	j.state = finished
	j.result = res
	j.err = err
	j.finishedAt = m.now()
	j.fn = nil // the result is kept for polling; what the job captured is not
}

// expired reports whether finished job j's result may no longer be read at
// now. m.mu is held, for reading at least.
func (m *Manager) expired(j *job, now time.Time) bool {
	if j.state != finished {
		return false
	}
	if r := j.readAt.Load(); r != nil {
		return !now.Before(r.Add(m.retention))
	}
	return !now.Before(j.finishedAt.Add(m.unreadRetention))
}

// sweepLocked drops expired results from the table. m.mu is held for writing.
func (m *Manager) sweepLocked(now time.Time) {
	for id, j := range m.jobs {
		if m.expired(j, now) {
			delete(m.jobs, id)
		}
	}
}

// outcome is a consistent copy of a job's state, taken for one poll.
type outcome struct {
	state  state
	result Result
	err    error
}

// lookup returns the outcome of job id for polling, marking a finished result
// as read. ok is false when the id is unknown or its result has expired.
func (m *Manager) lookup(id string) (o outcome, ok bool) {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	j := m.jobs[id]
	if j == nil || m.expired(j, now) {
		return outcome{}, false
	}
	if j.state == finished {
		j.readAt.CompareAndSwap(nil, &now)
	}
	return outcome{state: j.state, result: j.result, err: j.err}, true
}

// Stats returns the current number of running, waiting and finished jobs.
// Expired results are dropped first, so Finished counts readable ones only.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked(m.now())
	return Stats{
		Running:  m.running,
		Waiting:  len(m.queue),
		Finished: len(m.jobs) - m.running - len(m.queue),
	}
}

// Shutdown refuses new jobs, fails the jobs still waiting with the error
// "server shut down before the job started", and waits for running jobs to
// return. If ctx ends first, it cancels the running jobs' contexts, waits for
// them to return and then returns ctx.Err(). Results stay readable afterwards.
// Shutdown may be called more than once.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closing = true
	queued := m.queue
	m.queue = nil
	for _, j := range queued {
		m.finishLocked(j, Result{}, errs.New(errs.Unavailable, textNotStarted))
	}
	m.mu.Unlock()
	if len(queued) > 0 {
		m.log.WithField("jobs", len(queued)).Warn("async jobs dropped: server shut down before they started")
	}

	done := make(chan struct{})
	go func() {
		m.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
		m.cancel()
		return nil
	case <-ctx.Done():
	}
	m.log.Warn("async jobs still running at shutdown deadline; cancelling them")
	m.cancel()
	<-done
	return ctx.Err()
}
