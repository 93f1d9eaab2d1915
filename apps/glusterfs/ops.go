package glusterfs

import (
	"time"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// newOp returns a pending operation record ready to be stored in the same
// transaction as the records it marks.
func newOp(typ db.OpType, actions ...db.PendingAction) *db.PendingOp {
	return &db.PendingOp{
		ID:        idgen.New(),
		Type:      typ,
		Timestamp: time.Now().Unix(),
		Status:    db.OpStatusNew,
		Actions:   actions,
		Phase:     "exec",
	}
}

// startStep records, before a side effect begins, that it may have happened.
// Recovery treats a started step as possibly done.
func (a *App) startStep(op *db.PendingOp, name, host string) error {
	op.Steps = append(op.Steps, db.OpStep{Name: name, Host: host, Started: true})
	return a.store.Update(func(w db.Writer) error { return w.PutPendingOp(op) })
}

// finishStep records that the last started step named name completed.
func (a *App) finishStep(op *db.PendingOp, name string) error {
	for i := len(op.Steps) - 1; i >= 0; i-- {
		if op.Steps[i].Name == name {
			op.Steps[i].Done = true
			break
		}
	}
	return a.store.Update(func(w db.Writer) error { return w.PutPendingOp(op) })
}

// stepStarted reports whether a step of that name was recorded as started.
func stepStarted(op *db.PendingOp, name string) bool {
	for _, s := range op.Steps {
		if s.Name == name && s.Started {
			return true
		}
	}
	return false
}

// markOpFailed keeps an operation whose rollback could not complete, with the
// error, so an operator (or the next start-up) can see and retry it.
func (a *App) markOpFailed(op *db.PendingOp, cause error) {
	op.Status = db.OpStatusFailed
	if cause != nil {
		op.Error = cause.Error()
	}
	err := a.store.Update(func(w db.Writer) error {
		if _, err := w.PendingOp(op.ID); err != nil {
			return err // finished or removed meanwhile: nothing to record
		}
		return w.PutPendingOp(op)
	})
	if err != nil && !errs.Is(err, errs.NotFound) {
		a.log.WithError(err).WithField("op", op.ID).Error("cannot record failed operation")
	}
}
