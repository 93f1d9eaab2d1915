package middleware

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/urfave/negroni"
)

// UnmatchedRoute is the route label of requests no route matched (404s and
// wrong methods), so stray paths cannot grow the label set.
const UnmatchedRoute = "unmatched"

// HTTPMetrics times every request and reports it under the name of the route
// it matches in Router, never its raw path (ids would make every volume a
// new time series). It runs ahead of the router, so it asks Router to match
// the request itself; that also names requests the guards reject (401, 429,
// 503) after the route they were aimed at.
type HTTPMetrics struct {
	// Router is the API router whose route names label the requests.
	Router *mux.Router
	// Observe receives each request's route name, method, status code and
	// duration. Nil observes nothing.
	Observe func(route, method string, code int, d time.Duration)
}

// ServeHTTP implements negroni.Handler.
func (m HTTPMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	start := time.Now()
	next(w, r)
	if m.Observe == nil {
		return
	}
	status := http.StatusOK
	if rw, ok := w.(negroni.ResponseWriter); ok && rw.Status() != 0 {
		status = rw.Status()
	}
	m.Observe(m.routeName(r), method(r.Method), status, time.Since(start))
}

func (m HTTPMetrics) routeName(r *http.Request) string {
	if m.Router == nil {
		return UnmatchedRoute
	}
	var match mux.RouteMatch
	if !m.Router.Match(r, &match) || match.Route == nil || match.MatchErr != nil {
		return UnmatchedRoute
	}
	if name := match.Route.GetName(); name != "" {
		return name
	}
	return UnmatchedRoute
}

// method bounds the method label to the standard methods.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
