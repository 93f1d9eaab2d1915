package glusterfs

import (
	"context"
	"fmt"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// track marks an operation as being worked on by a running job (Heketi's
// "in-flight" sub-status); untrack clears it.
func (a *App) track(opID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tracked[opID] = true
}

// tryTrack marks an operation as owned unless something already owns it.
func (a *App) tryTrack(opID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tracked[opID] {
		return false
	}
	a.tracked[opID] = true
	return true
}

func (a *App) untrack(opID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.tracked, opID)
}

func (a *App) isTracked(opID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tracked[opID]
}

// Heketi's operation type names (facts 5.7).
var opTypeNames = map[db.OpType]string{
	db.OpCreateVolume:      "create-volume",
	db.OpDeleteVolume:      "delete-volume",
	db.OpExpandVolume:      "expand-volume",
	db.OpCreateBlockVolume: "create-block-volume",
	db.OpDeleteBlockVolume: "delete-block-volume",
	db.OpExpandBlockVolume: "expand-block-volume",
	db.OpRemoveDevice:      "remove-device",
	db.OpCloneVolume:       "clone-volume",
	db.OpEvictBrick:        "evict-brick",
	db.OpAddNode:           "add-node",
	db.OpDeleteNode:        "delete-node",
	db.OpAddDevice:         "add-device",
	db.OpDeleteDevice:      "delete-device",
}

// Heketi's change descriptions (facts 5.7).
var changeNames = map[db.ChangeType]string{
	db.ChangeAddBrick:       "Add brick",
	db.ChangeAddVolume:      "Add volume",
	db.ChangeDeleteBrick:    "Delete brick",
	db.ChangeDeleteVolume:   "Delete volume",
	db.ChangeExpandVolume:   "Expand volume",
	db.ChangeAddBlockVolume: "Add block volume",
	db.ChangeDeleteBlockVol: "Delete block volume",
	db.ChangeRemoveDevice:   "Remove device",
	db.ChangeCloneVolume:    "Clone volume from",
	db.ChangeSnapshotVolume: "Snapshot volume",
	db.ChangeAddVolumeClone: "Expand volume to",
	db.ChangeChildOp:        "Performing child operation",
	db.ChangeParentOp:       "Belongs to parent operation",
	db.ChangeExpandBlockVol: "Expand block volume",
	db.ChangeAddNode:        "Add node",
	db.ChangeDeleteNode:     "Delete node",
	db.ChangeAddDevice:      "Add device",
	db.ChangeDeleteDevice:   "Delete device",
}

// OpTypeName returns Heketi's name of an operation type ("unknown" if none).
func OpTypeName(t db.OpType) string {
	if n, ok := opTypeNames[t]; ok {
		return n
	}
	return "unknown"
}

// ChangeName returns Heketi's description of a change ("Unknown" if none).
func ChangeName(c db.ChangeType) string {
	if n, ok := changeNames[c]; ok {
		return n
	}
	return "Unknown"
}

// OperationsSummary counts pending operations (GET /operations).
type OperationsSummary struct {
	Total    int `json:"total"`
	InFlight int `json:"in_flight"`
	Stale    int `json:"stale"`
	Failed   int `json:"failed"`
	New      int `json:"new"`
}

// PendingChange is one change of a pending operation, as Heketi shows it.
type PendingChange struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// PendingOperation is a pending operation as Heketi shows it; Basalt adds
// the recorded steps and the last error, which old clients ignore.
type PendingOperation struct {
	ID        string          `json:"id"`
	TypeName  string          `json:"type_name"`
	Status    string          `json:"status"`
	SubStatus string          `json:"sub_status"`
	Changes   []PendingChange `json:"changes,omitempty"`
	Timestamp int64           `json:"timestamp,omitempty"`
	Steps     []db.OpStep     `json:"steps,omitempty"`
	Error     string          `json:"error,omitempty"`
}

func (a *App) pendingOperation(op *db.PendingOp, details bool) PendingOperation {
	p := PendingOperation{ID: op.ID, TypeName: OpTypeName(op.Type), Status: op.Status}
	if a.isTracked(op.ID) {
		p.SubStatus = "in-flight"
	}
	if details {
		p.Changes = []PendingChange{}
		for _, act := range op.Actions {
			p.Changes = append(p.Changes, PendingChange{ID: act.ID, Description: ChangeName(act.Change)})
		}
		p.Timestamp, p.Steps, p.Error = op.Timestamp, op.Steps, op.Error
	}
	return p
}

// OperationsInfo counts pending operations by status.
func (a *App) OperationsInfo() (*OperationsSummary, error) {
	out := &OperationsSummary{InFlight: a.InFlight()}
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.PendingOpIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			op, err := r.PendingOp(id)
			if err != nil {
				return err
			}
			out.Total++
			switch op.Status {
			case db.OpStatusStale:
				out.Stale++
			case db.OpStatusFailed:
				out.Failed++
			default:
				out.New++
			}
		}
		return nil
	})
	return out, err
}

// PendingOperations lists every pending operation.
func (a *App) PendingOperations() ([]PendingOperation, error) {
	out := []PendingOperation{}
	err := a.store.View(func(r db.Reader) error {
		ids, err := r.PendingOpIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			op, err := r.PendingOp(id)
			if err != nil {
				return err
			}
			out = append(out, a.pendingOperation(op, false))
		}
		return nil
	})
	return out, err
}

// PendingOperationDetails describes one pending operation with its changes.
// An unknown id is Heketi's 404 "Id not found: <id>".
func (a *App) PendingOperationDetails(id string) (*PendingOperation, error) {
	var out PendingOperation
	err := a.store.View(func(r db.Reader) error {
		op, err := r.PendingOp(id)
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.NotFound, "Id not found: "+id)
		}
		if err != nil {
			return err
		}
		out = a.pendingOperation(op, true)
		return nil
	})
	return &out, err
}

// CleanUpOperations validates a cleanup request (at most 32 ids, each a
// 32-hex id; none means all) and returns the job that repairs the stale and
// failed operations among them. Operations a job is working on are skipped.
func (a *App) CleanUpOperations(ids []string) (Job, error) {
	if len(ids) > 32 {
		return nil, errs.New(errs.Invalid, "validation failed: operations: the length must be no more than 32.")
	}
	var want map[string]bool
	if len(ids) > 0 {
		want = map[string]bool{}
		for _, id := range ids {
			if !idgen.Valid(id) {
				return nil, errs.New(errs.Invalid, fmt.Sprintf("validation failed: operations: %s is not a valid UUID.", id))
			}
			want[id] = true
		}
	}
	return func(ctx context.Context) (string, error) {
		var eligible map[string]bool
		err := a.store.View(func(r db.Reader) error {
			all, err := r.PendingOpIDs()
			if err != nil {
				return err
			}
			eligible = map[string]bool{}
			for _, id := range all {
				if want != nil && !want[id] {
					continue
				}
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
		if err != nil {
			return "", err
		}
		rep, err := a.repair(ctx, eligible)
		if err != nil {
			return "", err
		}
		if len(rep.Failed) > 0 {
			return "", errs.Newf(errs.Internal, "%d of %d operations could not be cleaned up; see GET /operations/pending", len(rep.Failed), len(eligible))
		}
		return "", nil
	}, nil
}
