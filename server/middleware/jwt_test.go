package middleware

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

const (
	adminKey = "admin-secret"
	userKey  = "user-secret"
)

// t0 is the fixed server clock of these tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestJWT(t *testing.T, log *logrus.Entry) *JWT {
	t.Helper()
	j, err := NewJWT(JWTConfig{AdminKey: adminKey, UserKey: userKey, IATLeeway: DefaultIATLeeway, Log: log, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// sign returns a token with the given method, key and claims.
func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goodClaims are what Heketi's Go client sends for method and path.
func goodClaims(iss, method, path string) jwt.MapClaims {
	return jwt.MapClaims{"iss": iss, "iat": t0.Unix(), "exp": t0.Add(5 * time.Minute).Unix(), "qsh": QSH(method, path)}
}

// rawToken builds a token with any header, unsigned (garbage signature).
func rawToken(header, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("not-a-signature"))
}

// serve runs one request through j and returns status, body and the issuer
// seen by the next handler ("-" when it was not reached).
func serve(j *JWT, method, target, auth string) (int, string, string) {
	r := httptest.NewRequest(method, target, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	seen := "-"
	j.ServeHTTP(w, r, func(w http.ResponseWriter, r *http.Request) {
		seen = Issuer(r.Context())
		w.WriteHeader(http.StatusOK)
	})
	return w.Code, w.Body.String(), seen
}

func TestJWT(t *testing.T) {
	const path = "/clusters"
	qsh := QSH("GET", path)
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := goodClaims(IssuerAdmin, "GET", path)
		mod(c)
		return c
	}
	hs := func(c jwt.MapClaims) string { return "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(adminKey), c) }
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, goodClaims(IssuerAdmin, "GET", path)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	good := goodClaims(IssuerAdmin, "GET", path)
	huge := time.Unix(t0.Unix(), 0).Sub(time.Unix(0, 0)).String()

	tests := []struct {
		name   string
		target string
		auth   string
		status int
		body   string // without the trailing newline
		issuer string // issuer seen by the next handler when status is 200
	}{
		{"admin HS256", path, hs(good), 200, "", IssuerAdmin},
		{"user HS256 with user key", path, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(userKey), goodClaims(IssuerUser, "GET", path)), 200, "", IssuerUser},
		{"lowercase bearer", path, "bearer " + sign(t, jwt.SigningMethodHS256, []byte(adminKey), good), 200, "", IssuerAdmin},
		{"HS384", path, "Bearer " + sign(t, jwt.SigningMethodHS384, []byte(adminKey), good), 200, "", IssuerAdmin},
		{"HS512", path, "Bearer " + sign(t, jwt.SigningMethodHS512, []byte(adminKey), good), 200, "", IssuerAdmin},
		{"query string ignored", path + "?x=1&y=2", hs(good), 200, "", IssuerAdmin},
		{"no header", path, "", 401, TextTokenNotFound, ""},
		{"scheme only", path, "Bearer", 400, TextAuthHeaderFormat, ""},
		{"three words", path, "Bearer a b", 400, TextAuthHeaderFormat, ""},
		{"basic scheme", path, "Basic YWRtaW46YWRtaW4=", 400, TextAuthHeaderFormat, ""},
		{"blank header", path, "   ", 400, TextAuthHeaderFormat, ""},
		{"not a JWT", path, "Bearer abc", 401, "Invalid JWT token: token is malformed: token contains an invalid number of segments", ""},
		{"none alg", path, "Bearer " + none, 401, "Invalid JWT token: Unexpected signing method: none", ""},
		{"RS256", path, "Bearer " + rawToken(map[string]any{"alg": "RS256", "typ": "JWT"}, good), 401, "Invalid JWT token: Unexpected signing method: RS256", ""},
		{"ES256", path, "Bearer " + rawToken(map[string]any{"alg": "ES256", "typ": "JWT"}, good), 401, "Invalid JWT token: Unexpected signing method: ES256", ""},
		{"unknown alg", path, "Bearer " + rawToken(map[string]any{"alg": "XYZ"}, good), 401, "Invalid JWT token: Unexpected signing method: XYZ", ""},
		{"missing iss", path, hs(claims(func(c jwt.MapClaims) { delete(c, "iss") })), 401, "Invalid JWT token: " + TextMissingIssuer, ""},
		{"unknown iss", path, hs(claims(func(c jwt.MapClaims) { c["iss"] = "bob" })), 401, "Invalid JWT token: " + TextUnknownUser, ""},
		{"wrong key", path, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("other"), good), 401, "Invalid JWT token: " + TextBadSignature, ""},
		{"user claims, admin key", path, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(adminKey), goodClaims(IssuerUser, "GET", path)), 401, "Invalid JWT token: " + TextBadSignature, ""},
		{"bad signature wins over expiry", path, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("other"), claims(func(c jwt.MapClaims) { c["exp"] = t0.Unix() - 10 })), 401, "Invalid JWT token: " + TextBadSignature, ""},
		{"expired 10s", path, hs(claims(func(c jwt.MapClaims) { c["exp"] = t0.Unix() - 10 })), 401, "Invalid JWT token: Token is expired by 10s", ""},
		{"expired 1h1m1s", path, hs(claims(func(c jwt.MapClaims) { c["exp"] = t0.Unix() - 3661 })), 401, "Invalid JWT token: Token is expired by 1h1m1s", ""},
		{"exp equal to now", path, hs(claims(func(c jwt.MapClaims) { c["exp"] = t0.Unix() })), 200, "", IssuerAdmin},
		{"python exp now+1s", path, hs(claims(func(c jwt.MapClaims) { c["exp"] = t0.Unix() + 1 })), 200, "", IssuerAdmin},
		{"fractional exp", path, hs(claims(func(c jwt.MapClaims) { c["exp"] = float64(t0.Unix()) + 0.5 })), 200, "", IssuerAdmin},
		{"missing exp", path, hs(claims(func(c jwt.MapClaims) { delete(c, "exp") })), 401, "Invalid JWT token: Token is expired by " + huge, ""},
		{"iat at leeway", path, hs(claims(func(c jwt.MapClaims) { c["iat"] = t0.Unix() + 120 })), 200, "", IssuerAdmin},
		{"iat beyond leeway", path, hs(claims(func(c jwt.MapClaims) { c["iat"] = t0.Unix() + 121 })), 401, "Invalid JWT token: " + TextUsedBeforeIssued, ""},
		{"iat missing", path, hs(claims(func(c jwt.MapClaims) { delete(c, "iat") })), 200, "", IssuerAdmin},
		{"nbf past", path, hs(claims(func(c jwt.MapClaims) { c["nbf"] = t0.Unix() - 1 })), 200, "", IssuerAdmin},
		{"nbf now", path, hs(claims(func(c jwt.MapClaims) { c["nbf"] = t0.Unix() })), 200, "", IssuerAdmin},
		{"nbf future", path, hs(claims(func(c jwt.MapClaims) { c["nbf"] = t0.Unix() + 1 })), 401, "Invalid JWT token: " + TextNotValidYet, ""},
		{"expired and nbf future: nbf reported", path, hs(claims(func(c jwt.MapClaims) { c["exp"] = t0.Unix() - 1; c["nbf"] = t0.Unix() + 1 })), 401, "Invalid JWT token: " + TextNotValidYet, ""},
		{"aud, sub, jti ignored", path, hs(claims(func(c jwt.MapClaims) { c["aud"] = 42; c["sub"] = "x"; c["jti"] = "y" })), 200, "", IssuerAdmin},
		{"missing qsh", path, hs(claims(func(c jwt.MapClaims) { delete(c, "qsh") })), 401, TextInvalidQSH, ""},
		{"qsh of another path", "/nodes", hs(good), 401, TextInvalidQSH, ""},
		{"qsh of another method", path, hs(claims(func(c jwt.MapClaims) { c["qsh"] = QSH("POST", path) })), 401, TextInvalidQSH, ""},
		{"qsh upper case hex", path, hs(claims(func(c jwt.MapClaims) { c["qsh"] = strings.ToUpper(qsh) })), 401, TextInvalidQSH, ""},
		{"qsh of trailing slash", path + "/", hs(claims(func(c jwt.MapClaims) { c["qsh"] = QSH("GET", path+"/") })), 200, "", IssuerAdmin},
		{"qsh without trailing slash", path + "/", hs(good), 401, TextInvalidQSH, ""},
	}
	j := newTestJWT(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, seen := serve(j, "GET", tc.target, tc.auth)
			if status != tc.status {
				t.Fatalf("expected status %d, got %d (body %q)", tc.status, status, body)
			}
			if status != 200 {
				if body != tc.body+"\n" {
					t.Errorf("expected body %q, got %q", tc.body+"\n", body)
				}
				if seen != "-" {
					t.Errorf("expected the next handler not to run, it ran with issuer %q", seen)
				}
				return
			}
			if seen != tc.issuer {
				t.Errorf("expected issuer %q in the context, got %q", tc.issuer, seen)
			}
		})
	}
}

func TestQSH(t *testing.T) {
	// sha256("GET&/clusters"), computed independently with sha256sum.
	const want = "4749a59de87c27c9b2f495c5f1309b2525681dfe30c8a7b83625901b132a9c26"
	if got := QSH("GET", "/clusters"); len(got) != 64 || strings.ToLower(got) != got {
		t.Fatalf("expected 64 lowercase hex digits, got %q", got)
	} else if got != want {
		t.Errorf("expected %s, got %s", want, got)
	}
}

func TestJWTLeewayZero(t *testing.T) {
	j, err := NewJWT(JWTConfig{AdminKey: adminKey, UserKey: userKey, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	c := goodClaims(IssuerAdmin, "GET", "/x")
	c["iat"] = t0.Unix() + 1
	status, body, _ := serve(j, "GET", "/x", "Bearer "+sign(t, jwt.SigningMethodHS256, []byte(adminKey), c))
	if status != 401 || body != "Invalid JWT token: "+TextUsedBeforeIssued+"\n" {
		t.Errorf("expected 401 %q with no leeway, got %d %q", TextUsedBeforeIssued, status, body)
	}
}

func TestJWTRealClockPythonToken(t *testing.T) {
	j, err := NewJWT(JWTConfig{AdminKey: adminKey, UserKey: userKey, IATLeeway: DefaultIATLeeway})
	if err != nil {
		t.Fatal(err)
	}
	// heketi.py: iat = now, exp = now + 1 s, whole seconds.
	now := time.Now().Unix()
	c := jwt.MapClaims{"iss": IssuerUser, "iat": now, "exp": now + 1, "qsh": QSH("POST", "/volumes")}
	status, body, seen := serve(j, "POST", "/volumes", "bearer "+sign(t, jwt.SigningMethodHS256, []byte(userKey), c))
	if status != 200 || seen != IssuerUser {
		t.Errorf("expected a Python-style token to pass, got %d %q", status, body)
	}
}

func TestNewJWTMissingKeys(t *testing.T) {
	for _, cfg := range []JWTConfig{{AdminKey: "a"}, {UserKey: "u"}, {}} {
		if _, err := NewJWT(cfg); err == nil || !strings.HasPrefix(err.Error(), "Missing JWT information in config file") {
			t.Errorf("expected a missing-key error for %+v, got %v", cfg, err)
		}
	}
}

func TestJWTLogsReasonNotToken(t *testing.T) {
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	j := newTestJWT(t, logrus.NewEntry(logger))
	c := goodClaims(IssuerAdmin, "GET", "/clusters")
	c["exp"] = t0.Unix() - 30
	tok := sign(t, jwt.SigningMethodHS256, []byte(adminKey), c)
	serve(j, "GET", "/clusters", "Bearer "+tok)

	entries := hook.AllEntries()
	if len(entries) != 1 {
		t.Fatalf("expected one log entry, got %d", len(entries))
	}
	e := entries[0]
	if e.Level != logrus.DebugLevel {
		t.Errorf("expected debug level, got %v", e.Level)
	}
	if got := e.Data["reason"]; got != "Invalid JWT token: Token is expired by 30s" {
		t.Errorf("expected the reason field to be the wire text, got %v", got)
	}
	if got := e.Data["issuer"]; got != IssuerAdmin {
		t.Errorf("expected issuer admin in the log, got %v", got)
	}
	line, _ := e.String()
	for _, secret := range []string{tok, strings.Split(tok, ".")[2], adminKey} {
		if strings.Contains(line, secret) {
			t.Errorf("log line contains a secret %q: %s", secret, line)
		}
	}
}

func TestRoleCheck(t *testing.T) {
	tests := []struct {
		issuer, method, path string
		status               int
	}{
		{IssuerUser, "GET", "/volumes", 200},
		{IssuerUser, "POST", "/volumes", 200},
		{IssuerUser, "GET", "/volumes/", 401},
		{IssuerUser, "GET", "/volumes/0123456789abcdef0123456789abcdef", 401},
		{IssuerUser, "GET", "/queue/0123456789abcdef0123456789abcdef", 401},
		{IssuerUser, "GET", "/clusters", 401},
		{IssuerAdmin, "GET", "/clusters", 200},
		{"", "POST", "/clusters", 200}, // auth disabled: no issuer, no role check
	}
	for _, tc := range tests {
		t.Run(tc.issuer+" "+tc.method+" "+tc.path, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.issuer != "" {
				r = r.WithContext(withIssuer(r.Context(), tc.issuer))
			}
			w := httptest.NewRecorder()
			RoleCheck{}.ServeHTTP(w, r, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
			if w.Code != tc.status {
				t.Fatalf("expected %d, got %d", tc.status, w.Code)
			}
			if tc.status == 401 && w.Body.String() != "Administrator access required\n" {
				t.Errorf("expected body %q, got %q", "Administrator access required\n", w.Body.String())
			}
		})
	}
}

func withIssuer(ctx context.Context, iss string) context.Context {
	return context.WithValue(ctx, issuerKey{}, iss)
}
