package db

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit coalesces concurrent Batch calls into shared write
// transactions without waiting for company. A caller that finds no commit
// running commits at once; callers that arrive while a commit (and its
// fsync) runs queue up, and when it ends the first of them commits the whole
// queue in one transaction. So an idle server pays no batching delay, and a
// busy one shares each fsync among everything that arrived during the
// previous one. (bbolt's own DB.Batch instead waits a fixed delay for
// company before every commit.)
//
// Every commit runs in a caller's goroutine; there is no background
// goroutine to stop.
type groupCommit struct {
	db *bolt.DB

	mu    sync.Mutex
	queue []*batchCall
	busy  bool // a caller is committing
}

// maxBatch bounds how many calls share one transaction.
const maxBatch = 1000

type batchCall struct {
	fn       func(*bolt.Tx) error
	done     chan error // the call's result, or errLead
	answered bool       // a result was sent (only the committer touches it)
}

// errLead tells a queued caller to commit the queue itself.
var errLead = errors.New("db: lead the next group commit")

// errAborted is the result of the calls of a shared commit that ended
// abnormally: a panic outside the batched functions (in bbolt's own
// commit) or a runtime.Goexit in one of them.
var errAborted = errors.New("db: a shared commit was interrupted by a panic or exit in another call")

// panicked carries a panic out of a batched function to its own caller.
type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprintf("panic in batched transaction: %v", p.value) }

// do runs fn in a write transaction shared with concurrent callers. fn may
// run more than once: if another function of the same transaction fails,
// the transaction is rolled back and the others run again without it.
func (g *groupCommit) do(fn func(*bolt.Tx) error) error {
	c := &batchCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()

	if !lead {
		if err := <-c.done; err != errLead {
			return rethrow(err)
		}
	}
	// This caller's own call is first in the queue.
	g.mu.Lock()
	n := min(len(g.queue), maxBatch)
	batch := slices.Clone(g.queue[:n])
	clear(g.queue[:n]) // the queue's array must not keep finished calls alive
	g.queue = g.queue[n:]
	if len(g.queue) == 0 {
		g.queue = nil
	}
	g.mu.Unlock()
	g.commitAndHandOff(batch)
	return rethrow(<-c.done)
}

// commitAndHandOff commits batch and then hands the next commit to a
// waiting caller, so this one returns. Should the commit end abnormally, the
// calls not yet answered get errAborted and the hand-off still happens, so
// no caller waits forever; a panic then goes on up this caller's stack.
func (g *groupCommit) commitAndHandOff(batch []*batchCall) {
	defer func() {
		p := recover()
		for _, c := range batch {
			if !c.answered {
				c.answered = true
				c.done <- errAborted
			}
		}
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.busy = false
		} else {
			g.queue[0].done <- errLead
		}
		g.mu.Unlock()
		if p != nil {
			panic(p)
		}
	}()
	g.commit(batch)
}

// commit runs batch in one transaction and gives every call its result. A
// failing function is taken out and run alone, so its error is its own and
// the others still commit together.
func (g *groupCommit) commit(batch []*batchCall) {
	for len(batch) > 0 {
		failed := -1
		err := g.db.Update(func(tx *bolt.Tx) error {
			for i, c := range batch {
				if err := safeCall(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range batch {
				c.answered = true
				c.done <- err // nil, or the commit's own failure
			}
			return
		}
		c := batch[failed]
		batch = append(batch[:failed:failed], batch[failed+1:]...)
		err = g.db.Update(func(tx *bolt.Tx) error { return safeCall(c.fn, tx) })
		c.answered = true
		c.done <- err
	}
}

// safeCall runs fn, turning a panic into a panicked error.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{value: p}
		}
	}()
	return fn(tx)
}

// rethrow re-raises, in the caller's goroutine, a panic of its own function.
func rethrow(err error) error {
	if p, ok := err.(panicked); ok {
		panic(p.value)
	}
	return err
}
