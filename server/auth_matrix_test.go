package server_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/executors/cmdexec"
	"github.com/basalt-storage/basalt/executors/fakeexec"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/async"
	"github.com/basalt-storage/basalt/server/middleware"
)

const (
	adminKey = "matrix-admin-secret"
	userKey  = "matrix-user-secret"
	// testID stands in for every {id:...} path variable.
	testID = "0123456789abcdef0123456789abcdef"
)

// t0 is the fixed clock of the authenticated test server.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// stack is one application served twice: with JWT auth (clock fixed at t0)
// and with auth disabled, each with its own admin state and logger.
type stack struct {
	auth, open           *server.Server
	authAdmin, openAdmin *middleware.AdminState
	authLog, openLog     *logrus.Logger
}

func quietLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func newStack(t *testing.T) *stack {
	t.Helper()
	store, err := db.Open(filepath.Join(t.TempDir(), "heketi.db"), db.Options{})
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	appLog := logrus.NewEntry(quietLogger())
	fake := fakeexec.New(fakeexec.Options{AutoNodes: true, AutoDiskSizeKiB: 10 << 20})
	app := glusterfs.New(store, cmdexec.New(fake, cmdexec.DefaultConfig(), appLog), glusterfs.Options{Log: appLog})
	jobs := async.New(async.Options{MaxRunning: 4, Logger: appLog})
	t.Cleanup(func() { _ = jobs.Shutdown(t.Context()) })

	st := &stack{authAdmin: new(middleware.AdminState), openAdmin: new(middleware.AdminState), authLog: quietLogger(), openLog: quietLogger()}
	j, err := middleware.NewJWT(middleware.JWTConfig{
		AdminKey: adminKey, UserKey: userKey, IATLeeway: middleware.DefaultIATLeeway,
		Now: func() time.Time { return t0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	st.auth = server.New(app, jobs, server.Options{Log: logrus.NewEntry(st.authLog), Auth: j, Admin: st.authAdmin})
	st.open = server.New(app, jobs, server.Options{Log: logrus.NewEntry(st.openLog), Admin: st.openAdmin})
	return st
}

// result is a recorded response.
type result struct {
	status int
	header http.Header
	body   string
}

// call serves one request in process; auth is the Authorization header ("" for none).
func call(s *server.Server, method, target, auth, body, remote string) result {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if remote != "" {
		r.RemoteAddr = remote
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return result{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// token signs claims for iss with key (HS256).
func token(t *testing.T, key string, c jwt.MapClaims) string {
	t.Helper()
	return tokenWith(t, jwt.SigningMethodHS256, key, c)
}

func tokenWith(t *testing.T, m jwt.SigningMethod, key string, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + s
}

// claimsFor are the claims Heketi's Go client sends for a request at t0.
func claimsFor(iss, method, path string) jwt.MapClaims {
	return jwt.MapClaims{"iss": iss, "iat": t0.Unix(), "exp": t0.Add(5 * time.Minute).Unix(), "qsh": middleware.QSH(method, path)}
}

var pathVar = regexp.MustCompile(`\{id:[^}]*\}`)

// concretePath turns a route pattern into a path the route matches.
func concretePath(t *testing.T, pattern string) string {
	t.Helper()
	p := pathVar.ReplaceAllString(pattern, testID)
	if strings.ContainsAny(p, "{}") {
		t.Fatalf("route %s has a path variable this test cannot fill; teach concretePath about it", pattern)
	}
	return p
}

// authTexts are the bodies only the auth middleware writes.
var authTexts = []string{
	"Required authorization token not found\n",
	"Authorization header format must be Bearer {token}\n",
	"Invalid qsh claim in token\n",
	"Administrator access required\n",
}

func isAuthError(r result) bool {
	if strings.HasPrefix(r.body, "Invalid JWT token: ") {
		return true
	}
	for _, s := range authTexts {
		if r.body == s {
			return true
		}
	}
	return false
}

// TestAuthMatrix runs every route of the table against every kind of
// credential. It is generated from Routes(), so a new route gets its rows
// without editing this test.
func TestAuthMatrix(t *testing.T) {
	st := newStack(t)
	routes := st.auth.Routes()
	if len(routes) == 0 {
		t.Fatal("expected a non-empty route table")
	}
	const (
		adminText = "Administrator access required\n"
		qshText   = "Invalid qsh claim in token\n"
	)

	type cred struct {
		name   string
		header func(method, path string) string
		status int    // expected status when refused; 0 means "passes auth"
		body   string // expected body when refused
	}
	creds := []cred{
		{"no token", func(m, p string) string { return "" }, 401, "Required authorization token not found\n"},
		{"malformed header", func(m, p string) string {
			return "Token " + strings.TrimPrefix(token(t, adminKey, claimsFor("admin", m, p)), "Bearer ")
		}, 400, "Authorization header format must be Bearer {token}\n"},
		{"bad signature", func(m, p string) string { return token(t, "not-the-admin-key", claimsFor("admin", m, p)) }, 401, "Invalid JWT token: signature is invalid (client and server secrets may not match)\n"},
		{"expired", func(m, p string) string {
			c := claimsFor("admin", m, p)
			c["exp"] = t0.Unix() - 90
			return token(t, adminKey, c)
		}, 401, "Invalid JWT token: Token is expired by 1m30s\n"},
		{"future iat beyond leeway", func(m, p string) string {
			c := claimsFor("admin", m, p)
			c["iat"] = t0.Add(middleware.DefaultIATLeeway).Unix() + 1
			c["exp"] = t0.Unix() + 600
			return token(t, adminKey, c)
		}, 401, "Invalid JWT token: Token used before issued (client and server clocks may differ)\n"},
		{"wrong qsh", func(m, p string) string { return token(t, adminKey, claimsFor("admin", m, p+"/other")) }, 401, qshText},
		{"unknown iss", func(m, p string) string { return token(t, adminKey, claimsFor("heketi", m, p)) }, 401, "Invalid JWT token: Unknown user\n"},
		{"user token", func(m, p string) string { return token(t, userKey, claimsFor("user", m, p)) }, 401, adminText},
		{"admin token", func(m, p string) string { return token(t, adminKey, claimsFor("admin", m, p)) }, 0, ""},
	}

	rows := 0
	for _, rt := range routes {
		path := concretePath(t, rt.Path)
		for _, c := range creds {
			rows++
			t.Run(rt.Method+" "+rt.Path+"/"+c.name, func(t *testing.T) {
				wantStatus, wantBody := c.status, c.body
				if c.name == "user token" && path == "/volumes" {
					wantStatus = 0 // the one path a user token may reach
				}
				got := call(st.auth, rt.Method, path, c.header(rt.Method, path), "", "")
				if wantStatus != 0 {
					if got.status != wantStatus || got.body != wantBody {
						t.Fatalf("expected %d %q, got %d %q", wantStatus, wantBody, got.status, got.body)
					}
					return
				}
				// Passes auth: the handler answers exactly as with auth off.
				ref := call(st.open, rt.Method, path, "", "", "")
				if ref.status == http.StatusMethodNotAllowed || ref.body == "Invalid path or request\n" {
					t.Fatalf("the route table entry is not routable as %s %s: %d %q", rt.Method, path, ref.status, ref.body)
				}
				if isAuthError(got) {
					t.Fatalf("expected the request to pass auth, got %d %q", got.status, got.body)
				}
				if got.status != ref.status || got.body != ref.body {
					t.Fatalf("expected the handler's answer %d %q (as with auth disabled), got %d %q", ref.status, ref.body, got.status, got.body)
				}
			})
		}
	}
	t.Logf("auth matrix: %d routes x %d credentials = %d rows", len(routes), len(creds), rows)
}

// TestAuthTokenShapes checks the token variants clients really send, and the
// algorithms that must be refused, against one route.
func TestAuthTokenShapes(t *testing.T) {
	st := newStack(t)
	const path = "/clusters"
	good := claimsFor("admin", "GET", path)
	raw := func(alg string) string {
		enc := func(v any) string {
			b, _ := json.Marshal(v)
			return base64.RawURLEncoding.EncodeToString(b)
		}
		return "Bearer " + enc(map[string]string{"alg": alg, "typ": "JWT"}) + "." + enc(good) + ".c2ln"
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, good).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	with := func(mod func(jwt.MapClaims)) string {
		c := claimsFor("admin", "GET", path)
		mod(c)
		return token(t, adminKey, c)
	}
	tests := []struct {
		name, auth string
		status     int
		body       string
	}{
		{"python exp now+1s", with(func(c jwt.MapClaims) { c["exp"] = t0.Unix() + 1 }), 200, ""},
		{"python lowercase bearer", "bearer " + strings.TrimPrefix(with(func(c jwt.MapClaims) { c["exp"] = t0.Unix() + 1 }), "Bearer "), 200, ""},
		{"HS384", tokenWith(t, jwt.SigningMethodHS384, adminKey, good), 200, ""},
		{"HS512", tokenWith(t, jwt.SigningMethodHS512, adminKey, good), 200, ""},
		{"RS256", raw("RS256"), 401, "Invalid JWT token: Unexpected signing method: RS256\n"},
		{"none", "Bearer " + none, 401, "Invalid JWT token: Unexpected signing method: none\n"},
		{"iat within leeway", with(func(c jwt.MapClaims) { c["iat"] = t0.Add(middleware.DefaultIATLeeway).Unix() }), 200, ""},
		{"nbf in the future", with(func(c jwt.MapClaims) { c["nbf"] = t0.Unix() + 5 }), 401, "Invalid JWT token: token is not valid yet\n"},
		{"missing iss", with(func(c jwt.MapClaims) { delete(c, "iss") }), 401, "Invalid JWT token: Token missing iss claim\n"},
		{"missing qsh", with(func(c jwt.MapClaims) { delete(c, "qsh") }), 401, "Invalid qsh claim in token\n"},
		{"missing exp", with(func(c jwt.MapClaims) { delete(c, "exp") }), 401, "Invalid JWT token: Token is expired by " + t0.Sub(time.Unix(0, 0)).String() + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := call(st.auth, "GET", path, tc.auth, "", "")
			if got.status != tc.status || (tc.body != "" && got.body != tc.body) {
				t.Fatalf("expected %d %q, got %d %q", tc.status, tc.body, got.status, got.body)
			}
		})
	}
}

// TestAuthRealClock checks a Python-client token (exp = now + 1 s) against a
// server on the real clock.
func TestAuthRealClock(t *testing.T) {
	j, err := middleware.NewJWT(middleware.JWTConfig{AdminKey: adminKey, UserKey: userKey, IATLeeway: middleware.DefaultIATLeeway})
	if err != nil {
		t.Fatal(err)
	}
	// A second server on the same routes, real clock.
	s := server.New(nil, nil, server.Options{Log: logrus.NewEntry(quietLogger()), Auth: j})
	now := time.Now().Unix()
	c := jwt.MapClaims{"iss": "admin", "iat": now, "exp": now + 1, "qsh": middleware.QSH("GET", "/admin")}
	if got := call(s, "GET", "/admin", token(t, adminKey, c), "", ""); got.status != 200 || got.body != "{\"state\":\"normal\"}\n" {
		t.Fatalf("expected a Python-style token to reach GET /admin, got %d %q", got.status, got.body)
	}
}

func TestAuthTrailingSlashAndQuery(t *testing.T) {
	st := newStack(t)
	// The qsh covers the path as sent, so /clusters/ needs the qsh of
	// /clusters/; it then passes auth and gets StrictSlash's redirect.
	got := call(st.auth, "GET", "/clusters/", token(t, adminKey, claimsFor("admin", "GET", "/clusters/")), "", "")
	if got.status != http.StatusMovedPermanently || got.header.Get("Location") != "/clusters" {
		t.Errorf("expected 301 to /clusters, got %d Location %q body %q", got.status, got.header.Get("Location"), got.body)
	}
	got = call(st.auth, "GET", "/clusters/", token(t, adminKey, claimsFor("admin", "GET", "/clusters")), "", "")
	if got.status != 401 || got.body != "Invalid qsh claim in token\n" {
		t.Errorf("expected 401 Invalid qsh for the slash-less qsh, got %d %q", got.status, got.body)
	}
	// Query strings are not part of the qsh.
	got = call(st.auth, "GET", "/clusters?verbose=1&x=%2F", token(t, adminKey, claimsFor("admin", "GET", "/clusters")), "", "")
	if got.status != 200 {
		t.Errorf("expected the query string to be ignored by qsh, got %d %q", got.status, got.body)
	}
}

func TestDisableAuthIgnoresTokens(t *testing.T) {
	st := newStack(t)
	expired := claimsFor("admin", "GET", "/clusters")
	expired["exp"] = t0.Unix() - 10
	for _, h := range []string{
		"",
		"Bearer garbage",
		"Basic YWRtaW46YWRtaW4=",
		"Bearer a b c",
		token(t, "wrong-key", claimsFor("admin", "GET", "/clusters")),
		token(t, adminKey, expired),
		token(t, userKey, claimsFor("user", "GET", "/clusters")),
	} {
		if got := call(st.open, "GET", "/clusters", h, "", ""); got.status != 200 {
			t.Errorf("expected 200 with auth disabled and Authorization %q, got %d %q", h, got.status, got.body)
		}
	}
}

func TestPublicRoutesNeedNoToken(t *testing.T) {
	st := newStack(t)
	if got := call(st.auth, "GET", "/hello", "", "", ""); got.status != 200 {
		t.Errorf("expected GET /hello to need no token, got %d %q", got.status, got.body)
	}
}

// TestAuthBeforeAdminGate checks Heketi's order: an unauthenticated request
// gets 401 even in read-only mode, an admin one gets the 503.
func TestAuthBeforeAdminGate(t *testing.T) {
	st := newStack(t)
	st.authAdmin.Set(middleware.AdminReadOnly)
	if got := call(st.auth, "POST", "/clusters", "", "{}", ""); got.status != 401 {
		t.Errorf("expected 401 before the admin gate, got %d %q", got.status, got.body)
	}
	if got := call(st.auth, "POST", "/clusters", token(t, userKey, claimsFor("user", "POST", "/clusters")), "{}", ""); got.status != 401 || got.body != "Administrator access required\n" {
		t.Errorf("expected the role check before the admin gate, got %d %q", got.status, got.body)
	}
	got := call(st.auth, "POST", "/clusters", token(t, adminKey, claimsFor("admin", "POST", "/clusters")), "{}", "")
	if got.status != 503 || got.body != "Service disabled for maintenance\n" {
		t.Errorf("expected 503 for an admin POST in read-only mode, got %d %q", got.status, got.body)
	}
}
