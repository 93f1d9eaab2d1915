// Package metrics is Basalt's Prometheus instrumentation. It owns one
// registry (never the global default one) holding:
//
//   - Heketi's heketi_* gauges, word for word (facts 15.2), computed at scrape
//     time from the application's view of the topology, so old dashboards
//     keep working;
//   - basalt_* families that follow Prometheus naming: a build-info gauge,
//     histograms of HTTP request, operation and node command durations, and
//     gauges of the job runner and the in-flight operations;
//   - the Go runtime and process collectors.
//
// Every Observe method is safe on a nil *Metrics, so callers need no checks
// when metrics are off.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/server/async"
)

// Topology is what the heketi_* gauges read at each scrape; *glusterfs.App
// implements it. Hidden records (pending creates) are left out exactly as the
// API leaves them out.
type Topology interface {
	ClusterList() (*api.ClusterListResponse, error)
	ClusterInfo(id string) (*api.ClusterInfoResponse, error)
	NodeInfo(id string) (*api.NodeInfoResponse, error)
	OperationsInfo() (*glusterfs.OperationsSummary, error)
	InFlight() int
}

// Jobs reports the async job runner's load; *async.Manager implements it.
type Jobs interface {
	Stats() async.Stats
}

// Options configure New.
type Options struct {
	// Version is the Basalt version for basalt_build_info.
	Version string
	// Log receives scrape errors. Nil discards them.
	Log *logrus.Entry
}

// Metrics holds the registry and the basalt_* instruments.
type Metrics struct {
	reg  *prometheus.Registry
	log  *logrus.Entry
	http *prometheus.HistogramVec
	ops  *prometheus.HistogramVec
	cmds *prometheus.HistogramVec
}

// Histogram buckets, in seconds. HTTP requests are mostly sub-second; jobs
// and node commands range from milliseconds to the 10-minute gluster limit.
var (
	httpBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	longBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}
)

// New returns Metrics with a fresh registry holding the Go and process
// collectors, basalt_build_info and the basalt_* histograms. Call Watch to
// add the gauges that read application state.
func New(opts Options) *Metrics {
	log := opts.Log
	if log == nil {
		l := logrus.New()
		l.SetLevel(logrus.PanicLevel)
		log = logrus.NewEntry(l)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "basalt_http_request_duration_seconds",
			Help:    "Time to answer API requests, by route name (not path), method and status code.",
			Buckets: httpBuckets,
		}, []string{"route", "method", "code"}),
		ops: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "basalt_operation_duration_seconds",
			Help:    "Run time of asynchronous operations (jobs), by type and outcome (success or failure).",
			Buckets: longBuckets,
		}, []string{"type", "outcome"}),
		cmds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "basalt_executor_command_duration_seconds",
			Help:    "Time of command batches sent to storage nodes, by the first command's program and host.",
			Buckets: longBuckets,
		}, []string{"command", "host"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "basalt_build_info",
		Help: "Always 1; labels give the Basalt version and the Go version it was built with.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(opts.Version, runtime.Version()).Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, m.http, m.ops, m.cmds,
	)
	return m
}

// Watch registers the gauges computed at scrape time: Heketi's heketi_*
// gauges from topo, basalt_inflight_operations from topo, and
// basalt_jobs_running/basalt_jobs_waiting from jobs. Either may be nil.
// Call it once.
func (m *Metrics) Watch(topo Topology, jobs Jobs) {
	m.reg.MustRegister(&stateCollector{topo: topo, jobs: jobs, log: m.log})
}

// Registry returns the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: errorLog{m.log}})
}

// ObserveHTTP records one API request. route is the route's name from the
// route table ("unmatched" when none matched); never the raw path.
func (m *Metrics) ObserveHTTP(route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.http.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}

// ObserveOperation records one finished asynchronous operation; outcome is
// "success" or "failure".
func (m *Metrics) ObserveOperation(opType, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.ops.WithLabelValues(opType, outcome).Observe(d.Seconds())
}

// ObserveCommand records one batch of commands run on a storage node;
// command is a program name (lvcreate, gluster, mkfs.xfs), not a command line.
func (m *Metrics) ObserveCommand(command, host string, d time.Duration) {
	if m == nil {
		return
	}
	m.cmds.WithLabelValues(command, host).Observe(d.Seconds())
}

// errorLog adapts logrus to promhttp's logger.
type errorLog struct{ log *logrus.Entry }

func (e errorLog) Println(v ...any) { e.log.Error(v...) }
