// Package server is Basalt's HTTP layer: one route table, thin per-resource
// handlers and one adapter that turns (value, error) into Heketi's responses.
// It holds no business logic: handlers decode, call apps/glusterfs and reply.
package server

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
	"github.com/urfave/negroni"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/server/async"
	"github.com/basalt-storage/basalt/server/metrics"
	"github.com/basalt-storage/basalt/server/middleware"
)

// Options configure a Server.
type Options struct {
	Log *logrus.Entry
	// Auth checks JWT tokens and roles; nil serves without auth (--disable-auth).
	Auth *middleware.JWT
	// Admin is the admin mode (GET/POST /admin, SIGUSR2); nil starts a normal one.
	Admin *middleware.AdminState
	// Metrics records request and job durations and serves GET /metrics;
	// nil turns metrics off (GET /metrics answers 404).
	Metrics *metrics.Metrics
	// Store serves GET /db/dump and /db/check, and GET /backup/db when it
	// has a Backup(io.Writer) (int64, error) method (db.BoltStore does); nil
	// answers those routes with 503.
	Store db.Store
	// Profiling serves /debug/pprof without authentication (config key
	// profiling, HEKETI_PROFILING).
	Profiling bool
	// Hooks run after the guards, around the API router, for requests that
	// passed authentication (e.g. the Kubernetes DB backup trigger).
	Hooks []negroni.Handler
}

// Server routes HTTP requests to the application.
type Server struct {
	app       *glusterfs.App
	jobs      *async.Manager
	log       *logrus.Entry
	handler   http.Handler
	auth      *middleware.JWT
	admin     *middleware.AdminState
	store     db.Store
	profiling bool
	cache     responseCache
	hooks     []negroni.Handler

	metrics      *metrics.Metrics // nil: off
	shuttingDown atomic.Bool      // set by SetShuttingDown; fails /readyz
}

// New builds the server's handler tree.
func New(app *glusterfs.App, jobs *async.Manager, opts Options) *Server {
	s := &Server{app: app, jobs: jobs, log: opts.Log, store: opts.Store, profiling: opts.Profiling, hooks: opts.Hooks}
	if s.log == nil {
		s.log = logrus.NewEntry(logrus.New())
	}
	s.auth, s.admin = opts.Auth, opts.Admin
	s.metrics = opts.Metrics
	if s.admin == nil {
		s.admin = new(middleware.AdminState)
	}
	s.handler = s.routes()
	return s
}

// Handler returns the root HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Route is one entry of the API route table. The table is the single source
// of truth for routing, the OpenAPI description and the auth test matrix.
type Route struct {
	Method, Path, Name string
	handler            http.Handler
}

// idPattern is Heketi's id matcher: hex of any length; anything else is a 404.
const idPattern = "{id:[A-Fa-f0-9]+}"

// Routes returns the table of every authenticated API route, resource by
// resource (each resource file declares its own part).
func (s *Server) Routes() []Route {
	var table []Route
	for _, part := range [][]Route{
		s.queueRoutes(),
		s.clusterRoutes(),
		s.nodeRoutes(),
		s.deviceRoutes(),
		s.volumeRoutes(),
		s.blockVolumeRoutes(),
		s.brickRoutes(),
		s.adminRoutes(),
		s.dbRoutes(),
		s.loggingRoutes(),
		s.operationRoutes(),
		s.examineRoutes(),
	} {
		table = append(table, part...)
	}
	return table
}

// route builds a table entry for a handlerFunc.
func (s *Server) route(method, path, name string, h handlerFunc) Route {
	return Route{Method: method, Path: path, Name: name, handler: s.wrap(h)}
}

func (s *Server) queueRoutes() []Route {
	return []Route{{Method: "GET", Path: "/queue/" + idPattern, Name: "job status", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.jobs.ServeStatus(w, r, mux.Vars(r)["id"])
	})}}
}

func (s *Server) routes() http.Handler {
	api := mux.NewRouter().StrictSlash(true)
	for _, rt := range s.Routes() {
		api.Methods(rt.Method).Path(rt.Path).Name(rt.Name).Handler(rt.handler)
	}
	api.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, errs.TextInvalidPath, http.StatusNotFound)
	})

	// Heketi's chain: recovery and logging, then the guards (JWT, role,
	// admin mode, throttle), then the API router.
	chain := negroni.New()
	chain.Use(middleware.HTTPMetrics{Router: api, Observe: s.metrics.ObserveHTTP})
	chain.Use(middleware.RequestLog{Log: s.log})
	chain.Use(middleware.Recovery(s.log))
	for _, g := range s.guards() {
		chain.Use(g)
	}
	for _, h := range s.hooks {
		chain.Use(h)
	}
	chain.UseHandler(api)

	outer := mux.NewRouter()
	s.publicRoutes(outer)
	outer.PathPrefix("/").Handler(chain)
	return outer
}

// adaptJob turns an application job into an async job.
func adaptJob(j glusterfs.Job) async.Func {
	return func(ctx context.Context) (async.Result, error) {
		loc, err := j(ctx)
		return async.Result{Location: loc}, err
	}
}

func idOf(r *http.Request) string { return mux.Vars(r)["id"] }
