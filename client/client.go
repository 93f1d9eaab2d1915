// Package client is Basalt's Go client library. It speaks the Heketi REST API
// (so it works against Heketi and Basalt alike) with the wire types of
// client/api: every request is signed with a fresh JWT (iss, iat, exp, qsh),
// asynchronous calls follow the 202 -> /queue polling protocol, 429 answers are
// retried, and every call takes a context.Context.
//
// Errors from the server come back as *Error, whose text is the server's
// message (Heketi sends plain-text error bodies), so callers can both print
// them and branch on the status code.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults, as in Heketi's Go client.
const (
	// DefaultRetryCount is how many times a 429 answer is retried.
	DefaultRetryCount = 6
	// DefaultRetryMinDelay is the shortest random wait before retrying a 429.
	DefaultRetryMinDelay = 10 * time.Second
	// DefaultRetryMaxDelay bounds the random wait before retrying a 429.
	DefaultRetryMaxDelay = 30 * time.Second
	// DefaultPollDelay is the first wait between polls of an asynchronous job.
	DefaultPollDelay = 400 * time.Millisecond
	// DefaultConcurrency is the default limit of requests in flight at once.
	DefaultConcurrency = 32
	// DefaultUserAgent is the User-Agent header sent unless WithUserAgent says otherwise.
	DefaultUserAgent = "basalt-client/1"
)

const (
	// maxPollDelay caps the gently growing delay between queue polls.
	maxPollDelay = 2 * time.Second
	// pollGrowth is the factor by which the poll delay grows after each poll.
	pollGrowth = 1.5
	// tokenLifetime is the exp - iat of every token.
	tokenLifetime = 5 * time.Minute
	// maxRedirects bounds the redirects followed for one GET.
	maxRedirects = 10
)

// Client talks to one Heketi-compatible server. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[:port][/prefix], no trailing slash
	host      string // host[:port] of base: tokens are only sent there
	user      string
	key       []byte
	auth      bool
	hc        *http.Client
	userAgent string

	retryCount         int
	retryMin, retryMax time.Duration
	retrySleep         func(context.Context, time.Duration) error // sleep; tests watch the waits
	pollDelay          time.Duration

	sem chan struct{} // bounds concurrent requests
}

// TLSConfig selects how the client checks the server's certificate.
type TLSConfig struct {
	// CAFiles are PEM files whose certificates are trusted in addition to
	// the system pool.
	CAFiles []string
	// InsecureSkipVerify disables certificate verification; an explicit
	// opt-in for test set-ups only.
	InsecureSkipVerify bool
}

type options struct {
	hc                 *http.Client
	tls                *TLSConfig
	retryCount         int
	retryMin, retryMax time.Duration
	pollDelay          time.Duration
	userAgent          string
	concurrency        int
}

// Option configures a Client.
type Option func(*options)

// WithHTTPClient makes the client send requests through hc. The client works
// on a copy of hc whose redirect policy it replaces, because it follows
// redirects itself to re-sign the token for each new path. For fast
// TopologyInfo, hc's transport should keep as many idle connections per
// host as the concurrency (http.DefaultTransport keeps only 2).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithTLS sets how the server's certificate is verified. With WithHTTPClient,
// that client's Transport must be an *http.Transport (it is cloned).
func WithTLS(cfg TLSConfig) Option { return func(o *options) { c := cfg; o.tls = &c } }

// WithRetry sets how answers 429 (server busy) are retried: up to count
// retries, each after the Retry-After delay when the server gives one, else
// after a random delay in [min, max). count 0 disables retrying.
func WithRetry(count int, min, max time.Duration) Option {
	return func(o *options) { o.retryCount, o.retryMin, o.retryMax = count, min, max }
}

// WithPollDelay sets the first delay between polls of an asynchronous job; it
// then grows by half each poll up to 2 s (or d, if larger).
func WithPollDelay(d time.Duration) Option { return func(o *options) { o.pollDelay = d } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// WithConcurrency bounds the number of requests in flight at once (default 32).
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = n } }

// New returns a client for server (e.g. "http://localhost:8080") that signs
// every request as user with the shared secret key.
func New(server, user, key string, opts ...Option) (*Client, error) {
	c, err := newClient(server, opts)
	if err != nil {
		return nil, err
	}
	c.user, c.key, c.auth = user, []byte(key), true
	return c, nil
}

// NewNoAuth returns a client for a server started without authentication; it
// sends no Authorization header at all.
func NewNoAuth(server string, opts ...Option) (*Client, error) {
	return newClient(server, opts)
}

func newClient(server string, opts []Option) (*Client, error) {
	o := options{
		retryCount:  DefaultRetryCount,
		retryMin:    DefaultRetryMinDelay,
		retryMax:    DefaultRetryMaxDelay,
		pollDelay:   DefaultPollDelay,
		userAgent:   DefaultUserAgent,
		concurrency: DefaultConcurrency,
	}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("server address %q: %w", server, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server address %q: want http://host[:port] or https://host[:port]", server)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server address %q: must not have a query or fragment", server)
	}
	switch {
	case o.retryCount < 0:
		return nil, fmt.Errorf("retry count %d is negative", o.retryCount)
	case o.retryMin < 0 || o.retryMax < o.retryMin:
		return nil, fmt.Errorf("retry delays [%v, %v) are not a valid range", o.retryMin, o.retryMax)
	case o.pollDelay <= 0:
		return nil, fmt.Errorf("poll delay %v must be positive", o.pollDelay)
	case o.concurrency < 1:
		return nil, fmt.Errorf("concurrency %d must be at least 1", o.concurrency)
	}
	hc, err := buildHTTPClient(o)
	if err != nil {
		return nil, err
	}
	return &Client{
		base:       strings.TrimRight(u.String(), "/"),
		host:       u.Host,
		hc:         hc,
		userAgent:  o.userAgent,
		retryCount: o.retryCount,
		retryMin:   o.retryMin,
		retryMax:   o.retryMax,
		retrySleep: sleep,
		pollDelay:  o.pollDelay,
		sem:        make(chan struct{}, o.concurrency),
	}, nil
}

// buildHTTPClient returns the http.Client the Client uses: the caller's (copied)
// or one with a transport that keeps enough idle connections for the
// configured concurrency, so that parallel calls reuse connections.
func buildHTTPClient(o options) (*http.Client, error) {
	var hc http.Client
	if o.hc != nil {
		hc = *o.hc
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 2 * o.concurrency
		tr.MaxIdleConnsPerHost = o.concurrency
		hc.Transport = tr
	}
	if o.tls != nil {
		var tr *http.Transport
		switch t := hc.Transport.(type) {
		case nil:
			tr = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			tr = t.Clone()
		default:
			return nil, fmt.Errorf("TLS options need an *http.Transport, the HTTP client has a %T", hc.Transport)
		}
		cfg, err := tlsClientConfig(*o.tls, tr.TLSClientConfig)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
		hc.Transport = tr
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc, nil
}

// tlsClientConfig builds the TLS settings from cfg on top of base (may be nil).
func tlsClientConfig(cfg TLSConfig, base *tls.Config) (*tls.Config, error) {
	out := &tls.Config{MinVersion: tls.VersionTLS12}
	if base != nil {
		out = base.Clone()
	}
	out.InsecureSkipVerify = cfg.InsecureSkipVerify
	if len(cfg.CAFiles) == 0 {
		return out, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range cfg.CAFiles {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate found", f)
		}
	}
	out.RootCAs = pool
	return out, nil
}

// Error is an answer from the server with a status the call did not expect.
// Message is the server's trimmed plain-text body, or a description of the
// status when the body is empty.
type Error struct {
	StatusCode int
	Message    string
}

// Error returns the server's message, as Heketi's clients do.
func (e *Error) Error() string { return e.Message }

// newError builds an *Error from a status and a response body.
func newError(status int, body []byte) *Error {
	msg := strings.TrimSpace(string(body))
	if msg == "" {
		msg = fmt.Sprintf("server did not provide a message (status %d: %s)", status, http.StatusText(status))
	}
	return &Error{StatusCode: status, Message: msg}
}

// StatusCode returns the HTTP status of err if it is (or wraps) an *Error,
// and 0 otherwise.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}
