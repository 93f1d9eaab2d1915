package middleware

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/internal/errs"
)

// The two token issuers Heketi knows. The issuer selects the HMAC key and,
// after authentication, the role.
const (
	IssuerAdmin = "admin"
	IssuerUser  = "user"
)

// DefaultIATLeeway is how far in the future a token's iat may lie before it
// is refused (Heketi's default; HEKETI_JWT_IAT_LEEWAY_SECONDS overrides it).
const DefaultIATLeeway = 120 * time.Second

// Wire texts of authentication failures. Heketi clients show them to users,
// so they stay word for word; the hints in parentheses say what to fix.
const (
	TextAuthHeaderFormat = "Authorization header format must be Bearer {token}"
	TextTokenNotFound    = "Required authorization token not found"
	TextInvalidToken     = "Invalid JWT token: "
	TextUnknownUser      = "Unknown user"
	TextMissingIssuer    = "Token missing iss claim"
	TextBadSignature     = "signature is invalid (client and server secrets may not match)"
	TextUsedBeforeIssued = "Token used before issued (client and server clocks may differ)"
	TextNotValidYet      = "token is not valid yet"
	TextInvalidQSH       = "Invalid qsh claim in token"
)

// JWTConfig configures the JWT middleware.
type JWTConfig struct {
	// AdminKey and UserKey are the HMAC secrets of the "admin" and "user"
	// issuers (jwt.admin.key and jwt.user.key); both are required.
	AdminKey, UserKey string
	// IATLeeway is how far in the future iat may be; 0 means none. Use
	// DefaultIATLeeway (or config JWTConfig.IATLeeway()) for Heketi's 120 s.
	IATLeeway time.Duration
	// Log receives one debug line per refused request (never the token).
	// Nil discards them.
	Log *logrus.Entry
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// JWT is the negroni.Handler that authenticates API requests as Heketi does:
// an HMAC-signed bearer token whose iss selects the key, whose exp, iat and
// nbf are checked against the server clock, and whose qsh claim binds it to
// the request's method and path. On success the issuer is put in the request
// context (see Issuer); on failure the request stops with 400 or 401.
type JWT struct {
	keys   map[string][]byte
	leeway time.Duration
	log    *logrus.Entry
	now    func() time.Time
	parser *jwt.Parser
}

// NewJWT checks cfg and returns the middleware. Both keys must be set, as
// Heketi refuses to start with auth on and a key missing.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	if cfg.AdminKey == "" || cfg.UserKey == "" {
		return nil, errors.New("Missing JWT information in config file (jwt.admin.key and jwt.user.key must both be set, or start with --disable-auth)")
	}
	j := &JWT{
		keys:   map[string][]byte{IssuerAdmin: []byte(cfg.AdminKey), IssuerUser: []byte(cfg.UserKey)},
		leeway: cfg.IATLeeway,
		log:    cfg.Log,
		now:    cfg.Now,
		// Claims are checked below, with Heketi's rules and texts, so the
		// library only splits and decodes the token.
		parser: jwt.NewParser(jwt.WithoutClaimsValidation()),
	}
	if j.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		j.log = logrus.NewEntry(l)
	}
	if j.now == nil {
		j.now = time.Now
	}
	return j, nil
}

// claims are the token claims Heketi reads. aud, sub and jti are ignored, so
// they are not decoded (an odd aud cannot make a token unreadable).
type claims struct {
	Issuer    string           `json:"iss"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	QSH       string           `json:"qsh"`
}

var _ jwt.Claims = (*claims)(nil)

func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore, nil }
func (c *claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *claims) GetSubject() (string, error)                  { return "", nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// authError is a refusal: the status and wire text, plus a detail for the
// debug log that helps an operator fix the client.
type authError struct {
	status int
	text   string
	detail string
}

// ServeHTTP implements negroni.Handler.
func (j *JWT) ServeHTTP(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	iss, aerr := j.authenticate(r)
	if aerr != nil {
		entry := j.log.WithFields(logrus.Fields{
			"request_id": RequestID(r.Context()),
			"method":     r.Method,
			"path":       r.URL.Path,
			"remote":     r.RemoteAddr,
			"status":     aerr.status,
			"reason":     aerr.text,
		})
		if iss != "" {
			entry = entry.WithField("issuer", iss)
		}
		if aerr.detail != "" {
			entry = entry.WithField("detail", aerr.detail)
		}
		entry.Debug("authentication failed")
		http.Error(w, aerr.text, aerr.status)
		return
	}
	next(w, r.WithContext(context.WithValue(r.Context(), issuerKey{}, iss)))
}

// authenticate returns the token's issuer, or why the request is refused
// (with the issuer too when it was readable, for the log). The checks run in
// Heketi's order, so a token with several faults gets Heketi's answer:
// header, signing method, issuer, signature, then exp, iat and nbf (the
// last failing of these three wins), then qsh.
func (j *JWT) authenticate(r *http.Request) (string, *authError) {
	raw, aerr := bearerToken(r)
	if aerr != nil {
		return "", aerr
	}
	invalid := func(msg, detail string) *authError {
		return &authError{status: http.StatusUnauthorized, text: TextInvalidToken + msg, detail: detail}
	}

	var c claims
	tok, parts, err := j.parser.ParseUnverified(raw, &c)
	if err != nil && !errors.Is(err, jwt.ErrTokenUnverifiable) {
		return "", invalid(err.Error(), "")
	}
	if _, ok := tok.Method.(*jwt.SigningMethodHMAC); !ok {
		// Also reached when the library does not know the alg at all.
		return c.Issuer, invalid(fmt.Sprintf("Unexpected signing method: %v", tok.Header["alg"]), "only HS256, HS384 and HS512 are accepted")
	}
	if c.Issuer == "" {
		return "", invalid(TextMissingIssuer, "")
	}
	key, ok := j.keys[c.Issuer]
	if !ok {
		return c.Issuer, invalid(TextUnknownUser, `iss must be "admin" or "user"`)
	}
	if err := tok.Method.Verify(parts[0]+"."+parts[1], tok.Signature, key); err != nil {
		return c.Issuer, invalid(TextBadSignature, fmt.Sprintf("check the %s key (jwt.%s.key) on client and server", c.Issuer, c.Issuer))
	}
	if aerr := j.checkTimes(&c); aerr != nil {
		return c.Issuer, aerr
	}
	want := QSH(r.Method, r.URL.Path)
	if subtle.ConstantTimeCompare([]byte(c.QSH), []byte(want)) != 1 {
		return c.Issuer, &authError{status: http.StatusUnauthorized, text: TextInvalidQSH,
			detail: fmt.Sprintf("qsh must be the hex SHA-256 of %q (sign each request for its own method and path)", r.Method+"&"+r.URL.Path)}
	}
	return c.Issuer, nil
}

// checkTimes applies Heketi's time rules in whole seconds: exp is required
// and has no leeway; iat may be up to the leeway ahead of the server clock;
// nbf must not be ahead at all. A zero iat or nbf counts as absent.
func (j *JWT) checkTimes(c *claims) *authError {
	now := j.now()
	nowSec := now.Unix()
	var fail *authError
	invalid := func(msg, detail string) *authError {
		return &authError{status: http.StatusUnauthorized, text: TextInvalidToken + msg, detail: detail}
	}
	clock := "server time " + now.UTC().Format(time.RFC3339)

	exp := seconds(c.ExpiresAt)
	if nowSec > exp {
		by := time.Unix(nowSec, 0).Sub(time.Unix(exp, 0))
		detail := "the token has no exp claim"
		if exp != 0 {
			detail = clock + "; sign tokens just before sending them, or check the client clock"
		}
		fail = invalid(fmt.Sprintf("Token is expired by %v", by), detail)
	}
	if iat := seconds(c.IssuedAt); iat != 0 && nowSec+int64(j.leeway/time.Second) < iat {
		fail = invalid(TextUsedBeforeIssued, fmt.Sprintf("%s; iat is %ds ahead, the leeway is %v", clock, iat-nowSec, j.leeway))
	}
	if nbf := seconds(c.NotBefore); nbf != 0 && nowSec < nbf {
		fail = invalid(TextNotValidYet, fmt.Sprintf("%s; nbf is %ds ahead", clock, nbf-nowSec))
	}
	return fail
}

// seconds is a NumericDate as Unix seconds; absent is 0, as in Heketi.
func seconds(d *jwt.NumericDate) int64 {
	if d == nil {
		return 0
	}
	return d.Unix()
}

// bearerToken extracts the token from "Authorization: Bearer <token>"; the
// scheme word is matched case-insensitively (clients send "bearer").
func bearerToken(r *http.Request) (string, *authError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &authError{status: http.StatusUnauthorized, text: TextTokenNotFound}
	}
	f := strings.Fields(h)
	if len(f) != 2 || !strings.EqualFold(f[0], "bearer") {
		return "", &authError{status: http.StatusBadRequest, text: TextAuthHeaderFormat}
	}
	return f[1], nil
}

// QSH returns the value a token's qsh claim must have for a request: the
// lowercase hex SHA-256 of method + "&" + path, where path is the URL path
// only (no host, no query string).
func QSH(method, path string) string {
	sum := sha256.Sum256([]byte(method + "&" + path))
	return hex.EncodeToString(sum[:])
}

type issuerKey struct{}

// Issuer returns the authenticated token issuer ("admin" or "user") carried
// by ctx, or "" when the request was not authenticated (auth disabled).
func Issuer(ctx context.Context) string {
	iss, _ := ctx.Value(issuerKey{}).(string)
	return iss
}

// RoleCheck is the negroni.Handler that runs after JWT: Heketi lets the
// "user" issuer reach exactly the path /volumes (list and create) and
// nothing else; every other path needs "admin".
type RoleCheck struct {
	// Log receives one debug line per refused request. Nil discards them.
	Log *logrus.Entry
}

// ServeHTTP implements negroni.Handler.
func (rc RoleCheck) ServeHTTP(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	if Issuer(r.Context()) == IssuerUser && r.URL.Path != "/volumes" {
		if rc.Log != nil {
			rc.Log.WithFields(logrus.Fields{
				"request_id": RequestID(r.Context()),
				"method":     r.Method,
				"path":       r.URL.Path,
				"issuer":     IssuerUser,
				"reason":     errs.TextAdminRequired,
			}).Debug("authorization failed")
		}
		http.Error(w, errs.TextAdminRequired, http.StatusUnauthorized)
		return
	}
	next(w, r)
}
