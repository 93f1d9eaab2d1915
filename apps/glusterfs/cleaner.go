package glusterfs

import (
	"context"
	"time"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
)

// Background cleaner (facts 9.5): every so often, mark as stale the new
// operations that nothing is working on any more, then repair every stale or
// failed operation that no job is working on. Repair is the same idempotent
// replay start-up recovery and POST /operations/pending/cleanup use.

// staleAfter is how old a new operation that no job tracks must be before
// the cleaner calls it stale (Heketi: 60 s). The grace covers the moment
// between an operation being stored and its job taking it.
const staleAfter = 60 * time.Second

// CleanReport says what one cleaner pass did.
type CleanReport struct {
	MarkedStale []string // new operations found abandoned
	RecoveryReport
}

// CleanStaleOperations runs one cleaner pass. Like Heketi's cleaner it takes
// an in-flight operation slot; when none is free it does nothing and returns
// an error of kind errs.Busy.
func (a *App) CleanStaleOperations(ctx context.Context) (*CleanReport, error) {
	release, err := a.acquire()
	if err != nil {
		return nil, err
	}
	defer release()

	rep := &CleanReport{}
	cutoff := time.Now().Add(-staleAfter).Unix()
	err = a.store.Update(func(w db.Writer) error {
		rep.MarkedStale = nil // Update may be retried by a future backend
		ids, err := w.PendingOpIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			op, err := w.PendingOp(id)
			if err != nil {
				return err
			}
			if op.Status != db.OpStatusNew || op.Timestamp > cutoff || a.isTracked(id) {
				continue
			}
			op.Status = db.OpStatusStale
			if err := w.PutPendingOp(op); err != nil {
				return err
			}
			rep.MarkedStale = append(rep.MarkedStale, id)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}

	eligible := map[string]bool{}
	err = a.store.View(func(r db.Reader) error {
		ids, err := r.PendingOpIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			op, err := r.PendingOp(id)
			if err != nil {
				return err
			}
			if op.Status == db.OpStatusStale || op.Status == db.OpStatusFailed {
				eligible[id] = true
			}
		}
		return nil
	})
	if err != nil || len(eligible) == 0 {
		return rep, err
	}
	rr, err := a.repair(ctx, eligible)
	if rr != nil {
		rep.RecoveryReport = *rr
	}
	return rep, err
}

// StartBackgroundCleaner runs CleanStaleOperations in the background: first
// after start, then every period, until ctx ends. A pass that finds the
// throttle full is skipped. Use WaitBackground to wait for it to return
// after cancelling ctx.
func (a *App) StartBackgroundCleaner(ctx context.Context, start, every time.Duration) {
	a.runPeriodically(ctx, "operation cleaner", start, every, func(ctx context.Context) {
		rep, err := a.CleanStaleOperations(ctx)
		log := a.log.WithField("task", "operation cleaner")
		if rep != nil {
			log = log.WithFields(map[string]any{
				"marked_stale": len(rep.MarkedStale),
				"rolled_back":  len(rep.RolledBack),
				"completed":    len(rep.Completed),
				"failed":       len(rep.Failed),
			})
		}
		switch {
		case err != nil && ctx.Err() != nil:
		case errs.Is(err, errs.Busy):
			log.Info("cleaner pass skipped: every in-flight operation slot is taken")
		case err != nil:
			log.WithError(err).Warn("cleaner pass did not run to the end")
		case rep != nil && len(rep.MarkedStale)+len(rep.RolledBack)+len(rep.Completed)+len(rep.Failed) > 0:
			log.Info("cleaner pass repaired pending operations")
		default:
			log.Debug("cleaner pass found nothing to do")
		}
	})
}
