package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// textServerBusy is what a 429 turns into when the server gave no message.
const textServerBusy = "Server busy. Retry operation later."

// response is a fully read HTTP response; reading it all lets the
// connection go back to the idle pool.
type response struct {
	status int
	header http.Header
	body   []byte
}

// Qsh returns the qsh claim for a request: the lowercase hex SHA-256 of
// "METHOD&path".
func Qsh(method, path string) string {
	sum := sha256.Sum256([]byte(method + "&" + path))
	return hex.EncodeToString(sum[:])
}

// tokenClaims are the claims of a request token. A struct (rather than
// jwt.MapClaims) keeps signing cheap, which matters when TopologyInfo signs
// thousands of tokens.
type tokenClaims struct {
	Issuer    string `json:"iss"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	Qsh       string `json:"qsh"`
}

var _ jwt.Claims = tokenClaims{}

// GetExpirationTime implements jwt.Claims.
func (c tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.ExpiresAt, 0)), nil
}

// GetIssuedAt implements jwt.Claims.
func (c tokenClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)), nil
}

// GetNotBefore implements jwt.Claims; there is no nbf claim.
func (c tokenClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }

// GetIssuer implements jwt.Claims.
func (c tokenClaims) GetIssuer() (string, error) { return c.Issuer, nil }

// GetSubject implements jwt.Claims; there is no sub claim.
func (c tokenClaims) GetSubject() (string, error) { return "", nil }

// GetAudience implements jwt.Claims; there is no aud claim.
func (c tokenClaims) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }

// token signs a fresh HS256 token for one request: iss, iat = now,
// exp = now + 5 min and the qsh of the request.
func (c *Client) token(method, path string, now time.Time) (string, error) {
	claims := tokenClaims{
		Issuer:    c.user,
		IssuedAt:  now.Unix(),
		ExpiresAt: now.Add(tokenLifetime).Unix(),
		Qsh:       Qsh(method, path),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(c.key)
}

// target resolves a path or a Location header value against the server
// address. Bare paths are appended to the base (Heketi sends bare paths).
func (c *Client) target(loc string) (*url.URL, error) {
	if strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
		return url.Parse(c.base + loc)
	}
	base, err := url.Parse(c.base + "/")
	if err != nil {
		return nil, err
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("bad location %q: %w", loc, err)
	}
	return base.ResolveReference(ref), nil
}

// newRequest builds a signed request.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	// A redirect to another host gets no token: credentials stay with the
	// server the client was made for.
	if c.auth && req.URL.Host == c.host {
		tok, err := c.token(method, req.URL.Path, time.Now())
		if err != nil {
			return nil, fmt.Errorf("sign token: %w", err)
		}
		req.Header.Set("Authorization", "bearer "+tok)
	}
	return req, nil
}

// acquire takes a concurrency slot; release gives it back.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) release() { <-c.sem }

// roundTrip sends one request and reads the whole answer; it follows no
// redirects. When sink is not nil, the body of a 200 answer is copied into
// sink as it arrives instead of being kept.
func (c *Client) roundTrip(ctx context.Context, method string, u *url.URL, body []byte, sink io.Writer) (*response, error) {
	// Sign only once a slot is free, so the token is fresh when it is sent.
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.release()
	req, err := c.newRequest(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &response{status: resp.StatusCode, header: resp.Header}
	if sink != nil && resp.StatusCode == http.StatusOK {
		if _, err := io.Copy(sink, resp.Body); err != nil {
			return nil, fmt.Errorf("%s %s: copy response: %w", method, u.Path, err)
		}
		return r, nil
	}
	if r.body, err = readBody(resp); err != nil {
		return nil, fmt.Errorf("%s %s: read response: %w", method, u.Path, err)
	}
	return r, nil
}

// readBody reads a whole response body, in one allocation when the length
// is known.
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= 64<<20 {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		// Reach EOF so the connection can be reused.
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(resp.Body)
}

// send sends one request to loc (a path or Location) and, for GET, follows
// redirects itself so that each hop carries a token for its own path.
func (c *Client) send(ctx context.Context, method, loc string, body []byte, sink io.Writer) (*response, error) {
	u, err := c.target(loc)
	if err != nil {
		return nil, err
	}
	for hops := 0; ; hops++ {
		r, err := c.roundTrip(ctx, method, u, body, sink)
		if err != nil {
			return nil, err
		}
		if method != http.MethodGet || !isRedirect(r.status) {
			return r, nil
		}
		next := r.header.Get("Location")
		if next == "" {
			return r, nil
		}
		if hops >= maxRedirects {
			return nil, fmt.Errorf("GET %s: stopped after %d redirects", loc, maxRedirects)
		}
		if u, err = u.Parse(next); err != nil {
			return nil, fmt.Errorf("GET %s: bad redirect location %q: %w", loc, next, err)
		}
	}
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// marshal encodes a request body; nil (or a nil pointer) means no body.
func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return b, nil
}

// do sends the first request of a call with in (may be nil) as its JSON
// body; see doRaw.
func (c *Client) do(ctx context.Context, method, path string, in any) (*response, error) {
	body, err := marshal(in)
	if err != nil {
		return nil, err
	}
	return c.doRaw(ctx, method, path, body, nil)
}

// doRaw sends the first request of a call, retrying while the server
// answers 429. After the retries are used up the 429 is returned as an
// *Error. sink is as for roundTrip.
func (c *Client) doRaw(ctx context.Context, method, path string, body []byte, sink io.Writer) (*response, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.send(ctx, method, path, body, sink)
		if err != nil {
			return nil, err
		}
		if r.status != http.StatusTooManyRequests {
			return r, nil
		}
		if attempt >= c.retryCount {
			e := newError(r.status, r.body)
			if strings.TrimSpace(string(r.body)) == "" {
				e.Message = textServerBusy
			}
			return nil, e
		}
		if err := c.retrySleep(ctx, c.retryDelay(r.header.Get("Retry-After"))); err != nil {
			return nil, err
		}
	}
}

// retryDelay is how long to wait before retrying a 429: the Retry-After
// value plus a small jitter when the server sent one, else a random delay
// in [retryMin, retryMax).
func (c *Client) retryDelay(retryAfter string) time.Duration {
	if d, ok := parseRetryAfter(retryAfter, time.Now()); ok {
		return d + randDuration(min(c.retryMin, time.Second))
	}
	return c.retryMin + randDuration(c.retryMax-c.retryMin)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// randDuration returns a random duration in [0, d), or 0 if d <= 0.
func randDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// expect returns r's error unless its status is one of want.
func expect(r *response, want ...int) error {
	for _, s := range want {
		if r.status == s {
			return nil
		}
	}
	return newError(r.status, r.body)
}

// call sends a synchronous request, checks the status and decodes the JSON
// answer into out (if out is not nil).
func (c *Client) call(ctx context.Context, method, path string, in, out any, want ...int) error {
	r, err := c.do(ctx, method, path, in)
	if err != nil {
		return err
	}
	if err := expect(r, want...); err != nil {
		return err
	}
	return decode(r, out)
}

// decode decodes a JSON response body into out (if out is not nil).
func decode(r *response, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// async runs an asynchronous call: the request must be accepted with 202,
// then the job's Location is polled until it is no longer pending. The final
// answer (after following a 303 to the resource) must have a status in want;
// its JSON body is decoded into out when out is not nil.
func (c *Client) async(ctx context.Context, method, path string, in, out any, want ...int) error {
	r, err := c.do(ctx, method, path, in)
	if err != nil {
		return err
	}
	if r.status != http.StatusAccepted {
		return newError(r.status, r.body)
	}
	r, err = c.wait(ctx, r)
	if err != nil {
		return err
	}
	if err := expect(r, want...); err != nil {
		return err
	}
	return decode(r, out)
}

// wait polls the Location of a 202 until the job is done and returns the
// final answer: the resource a 303 pointed to, a 204, or the job's error.
func (c *Client) wait(ctx context.Context, accepted *response) (*response, error) {
	loc := accepted.header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("server accepted the request but gave no Location to poll")
	}
	delay := c.pollDelay
	ceiling := max(c.pollDelay, maxPollDelay)
	for {
		r, err := c.send(ctx, http.MethodGet, loc, nil, nil)
		if err != nil {
			return nil, err
		}
		if r.header.Get("X-Pending") != "true" {
			return r, nil
		}
		if r.status != http.StatusOK {
			return nil, newError(r.status, r.body)
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", loc, err)
		}
		delay = min(time.Duration(float64(delay)*pollGrowth), ceiling)
	}
}
