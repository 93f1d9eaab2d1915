// Package testctx has contexts for tests that must end a context at an exact
// point instead of after a wall-clock delay.
package testctx

import (
	"context"
	"sync"
)

// Expiring is a context whose deadline passes when the test says so: after
// Expire it is done with context.DeadlineExceeded, like a context whose
// deadline has passed. Values come from its parent.
type Expiring struct {
	context.Context
	done chan struct{}
	once sync.Once
}

// NewExpiring returns an Expiring context under parent.
func NewExpiring(parent context.Context) *Expiring {
	return &Expiring{Context: parent, done: make(chan struct{})}
}

// Expire makes the deadline pass; calling it again does nothing.
func (c *Expiring) Expire() { c.once.Do(func() { close(c.done) }) }

// Done is closed by Expire.
func (c *Expiring) Done() <-chan struct{} { return c.done }

// Err is context.DeadlineExceeded after Expire, nil before.
func (c *Expiring) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}
