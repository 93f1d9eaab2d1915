package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/server/async"
)

// This file holds what operators use to run the server rather than the
// storage: the pending-operation routes (facts 5.7), /metrics, /livez and
// /readyz, and the job timing behind basalt_operation_duration_seconds.

func (s *Server) operationRoutes() []Route {
	return []Route{
		s.route("GET", "/operations", "operations info", s.operationsInfo),
		s.route("GET", "/operations/pending", "pending operation list", s.pendingOperationList),
		s.route("GET", "/operations/pending/"+idPattern, "pending operation info", s.pendingOperationInfo),
		s.route("POST", "/operations/pending/cleanup", "pending operation cleanup", s.pendingOperationCleanup),
	}
}

func (s *Server) operationsInfo(r *http.Request) (*reply, error) {
	sum, err := s.app.OperationsInfo()
	if err != nil {
		return nil, err
	}
	return &reply{body: sum}, nil
}

// pendingOperationList is the body of GET /operations/pending.
type pendingOperationList struct {
	PendingOperations []glusterfs.PendingOperation `json:"pendingoperations"`
}

func (s *Server) pendingOperationList(r *http.Request) (*reply, error) {
	list, err := s.app.PendingOperations()
	if err != nil {
		return nil, err
	}
	return &reply{body: pendingOperationList{PendingOperations: list}}, nil
}

func (s *Server) pendingOperationInfo(r *http.Request) (*reply, error) {
	op, err := s.app.PendingOperationDetails(idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{body: op}, nil
}

// pendingOperationsCleanRequest is the optional body of
// POST /operations/pending/cleanup; no ids means every operation.
type pendingOperationsCleanRequest struct {
	Operations []string `json:"operations"`
}

func (s *Server) pendingOperationCleanup(r *http.Request) (*reply, error) {
	var req pendingOperationsCleanRequest
	if err := decodeOptional(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.CleanUpOperations(req.Operations)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "pending operation cleanup"}, nil
}

// operabilityRoutes registers the unauthenticated /metrics, /livez and
// /readyz on the outer router.
func (s *Server) operabilityRoutes(outer *mux.Router) {
	outer.Methods("GET").Path("/metrics").HandlerFunc(s.serveMetrics)
	outer.Methods("GET").Path("/livez").HandlerFunc(livez)
	outer.Methods("GET").Path("/readyz").HandlerFunc(s.readyz)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		http.Error(w, "metrics are not enabled", http.StatusNotFound)
		return
	}
	s.metrics.Handler().ServeHTTP(w, r)
}

// livez answers 200 "ok" while the process can serve HTTP at all.
func livez(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

// readyz answers 200 "ok" when the database answers a read and shutdown has
// not begun; otherwise 503 with the reason, so load balancers stop sending
// requests as soon as SetShuttingDown is called.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.shuttingDown.Load() {
		writeText(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	if err := s.app.Ready(); err != nil {
		s.log.WithError(err).Warn("readiness check: database unavailable")
		writeText(w, http.StatusServiceUnavailable, "database unavailable: "+err.Error())
		return
	}
	writeText(w, http.StatusOK, "ok")
}

// SetShuttingDown makes /readyz fail from now on. Call it when shutdown
// starts, before the listener stops accepting requests.
func (s *Server) SetShuttingDown() { s.shuttingDown.Store(true) }

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

// timed reports the run time and outcome of a job to the metrics under the
// job's name.
func (s *Server) timed(name string, f async.Func) async.Func {
	if s.metrics == nil {
		return f
	}
	return func(ctx context.Context) (async.Result, error) {
		start := time.Now()
		res, err := f(ctx)
		outcome := "success"
		if err != nil {
			outcome = "failure"
		}
		s.metrics.ObserveOperation(name, outcome, time.Since(start))
		return res, err
	}
}
