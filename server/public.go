package server

import (
	"net/http"
	"net/http/pprof"

	"github.com/gorilla/mux"
)

// publicRoutes registers the unauthenticated routes on the outer router,
// ahead of the authenticated API chain (facts 2.1).
func (s *Server) publicRoutes(outer *mux.Router) {
	outer.Methods("GET").Path("/hello").HandlerFunc(hello)
	s.operabilityRoutes(outer) // /metrics, /livez, /readyz (operations.go)
	if s.profiling {
		// Heketi's `profiling` key (HEKETI_PROFILING): Go's pprof handlers,
		// unauthenticated as in Heketi, so keep it off in production.
		outer.PathPrefix("/debug/pprof/cmdline").HandlerFunc(pprof.Cmdline)
		outer.PathPrefix("/debug/pprof/profile").HandlerFunc(pprof.Profile)
		outer.PathPrefix("/debug/pprof/symbol").HandlerFunc(pprof.Symbol)
		outer.PathPrefix("/debug/pprof/trace").HandlerFunc(pprof.Trace)
		outer.PathPrefix("/debug/pprof/").HandlerFunc(pprof.Index)
	}
}

// hello is Heketi's unauthenticated liveness greeting; clients check for 200
// and some scripts match the text, so it stays word for word.
func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("Hello from Heketi"))
}
