package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/urfave/negroni"
)

func TestHTTPMetricsNamesRoutesNotPaths(t *testing.T) {
	api := mux.NewRouter()
	api.Methods("GET").Path("/volumes/{id:[a-f0-9]+}").Name("volume info").HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	type obs struct {
		route, method string
		code          int
	}
	var got []obs
	chain := negroni.New()
	chain.Use(HTTPMetrics{Router: api, Observe: func(route, method string, code int, d time.Duration) {
		got = append(got, obs{route, method, code})
	}})
	chain.UseHandler(api)

	for _, tc := range []struct {
		method, path string
		want         obs
	}{
		{"GET", "/volumes/abc123", obs{"volume info", "GET", 200}},
		{"GET", "/volumes/zzz", obs{UnmatchedRoute, "GET", 404}},
		{"DELETE", "/volumes/abc123", obs{UnmatchedRoute, "DELETE", 405}},
		{"BREW", "/volumes/abc123", obs{UnmatchedRoute, "other", 405}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			got = nil
			chain.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.path, nil))
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("expected one observation %+v, got %+v", tc.want, got)
			}
		})
	}
}
