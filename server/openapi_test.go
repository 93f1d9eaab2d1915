package server

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"go.yaml.in/yaml/v3"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/server/async"
)

// pathVar matches a gorilla path variable with its pattern, {id:[A-Fa-f0-9]+}.
var pathVar = regexp.MustCompile(`\{([A-Za-z0-9_]+):[^}]*\}`)

// openAPIKey is how docs/openapi.yaml spells a route: "GET /volumes/{id}".
func openAPIKey(method, path string) string {
	return strings.ToUpper(method) + " " + pathVar.ReplaceAllString(path, "{$1}")
}

// serverRoutes returns every route the server serves: the API table and the
// public routes of the outer router (all but the catch-all API prefix).
func serverRoutes(t *testing.T) []string {
	t.Helper()
	s := New(glusterfs.New(nil, nil, glusterfs.Options{}), async.New(async.Options{}), Options{})
	var out []string
	for _, rt := range s.Routes() {
		out = append(out, openAPIKey(rt.Method, rt.Path))
	}
	outer, ok := s.Handler().(*mux.Router)
	if !ok {
		t.Fatalf("expected the root handler to be a *mux.Router, got %T", s.Handler())
	}
	err := outer.Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := r.GetPathTemplate()
		if err != nil {
			return nil // the PathPrefix("/") catch-all has no template
		}
		methods, err := r.GetMethods()
		if err != nil {
			return nil // the catch-all serves every method
		}
		for _, m := range methods {
			out = append(out, openAPIKey(m, tpl))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// documentedRoutes returns every (method, path) of docs/openapi.yaml.
func documentedRoutes(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("expected openapi 3.0.x, got %q", doc.OpenAPI)
	}
	var out []string
	for path, item := range doc.Paths {
		for key := range item {
			switch key {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				out = append(out, openAPIKey(key, path))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIMatchesRoutes keeps docs/openapi.yaml and the route table from
// drifting apart: every served route is documented and vice versa.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	served, documented := serverRoutes(t), documentedRoutes(t)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is served but not in docs/openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("docs/openapi.yaml documents %s, which the server does not serve", r)
		}
	}
	for _, public := range []string{"GET /hello", "GET /metrics", "GET /livez", "GET /readyz"} {
		if !slices.Contains(served, public) {
			t.Errorf("expected public route %s among the served routes %v", public, served)
		}
	}
}

// TestOpenAPIReferencesResolve checks that every local $ref names a component
// that exists.
func TestOpenAPIReferencesResolve(t *testing.T) {
	data, err := os.ReadFile("../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if ref, ok := val.(string); ok && k == "$ref" {
					if !resolves(doc, ref) {
						t.Errorf("$ref %q does not resolve", ref)
					}
				}
				walk(val)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
}

func resolves(doc map[string]any, ref string) bool {
	if !strings.HasPrefix(ref, "#/") {
		return false
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}
