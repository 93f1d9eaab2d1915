package middleware

import (
	"fmt"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/internal/errs"
)

// AdminMode is the server's admin mode, set with POST /admin, by
// default_state at start-up, and back to normal by SIGUSR2.
type AdminMode int32

// The admin modes. The zero value is normal.
const (
	// AdminNormal lets every request through.
	AdminNormal AdminMode = iota
	// AdminReadOnly lets only GET and HEAD through.
	AdminReadOnly
	// AdminLocalClient lets GET and HEAD through from anywhere and other
	// methods only from the loopback address (127.0.0.1 or ::1).
	AdminLocalClient
)

var adminModeNames = [...]string{"normal", "read-only", "local-client"}

// String returns the mode's wire name: normal, read-only or local-client.
func (m AdminMode) String() string {
	if m >= 0 && int(m) < len(adminModeNames) {
		return adminModeNames[m]
	}
	return fmt.Sprintf("AdminMode(%d)", int32(m))
}

// ParseAdminMode returns the mode named s (a wire or config name).
func ParseAdminMode(s string) (AdminMode, error) {
	for i, name := range adminModeNames {
		if s == name {
			return AdminMode(i), nil
		}
	}
	return AdminNormal, fmt.Errorf("unknown admin state name: %s", s)
}

// AdminState holds the current admin mode. It is safe for concurrent use;
// the zero value is in normal mode.
type AdminState struct {
	mode atomic.Int32
}

// NewAdminState returns a state in the mode named initial (config
// default_state); "" means normal.
func NewAdminState(initial string) (*AdminState, error) {
	a := new(AdminState)
	if initial == "" {
		return a, nil
	}
	m, err := ParseAdminMode(initial)
	if err != nil {
		return nil, fmt.Errorf("unable to set admin state: %w", err)
	}
	a.Set(m)
	return a, nil
}

// Mode returns the current mode.
func (a *AdminState) Mode() AdminMode { return AdminMode(a.mode.Load()) }

// Set changes the mode.
func (a *AdminState) Set(m AdminMode) { a.mode.Store(int32(m)) }

// Reset returns to normal mode; the server binary calls it on SIGUSR2, the
// only way out of read-only mode short of a restart (POST /admin is itself
// gated).
func (a *AdminState) Reset() { a.Set(AdminNormal) }

// Allows reports whether a request with the given method from the given
// remote address (host:port, as in http.Request.RemoteAddr) may pass in the
// current mode.
func (a *AdminState) Allows(method, remoteAddr string) bool {
	switch a.Mode() {
	case AdminReadOnly:
		return isRead(method)
	case AdminLocalClient:
		return isRead(method) || isLoopback(remoteAddr)
	default:
		return true
	}
}

func isRead(method string) bool { return method == http.MethodGet || method == http.MethodHead }

// isLoopback reports whether the TCP peer is 127.0.0.1 or ::1 (Heketi's
// definition of a local client; other 127/8 addresses do not count).
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// AdminGate is the negroni.Handler that enforces the admin mode. It runs
// after authentication and applies to every API route, POST /admin included;
// a refused request gets 503 "Service disabled for maintenance".
type AdminGate struct {
	State *AdminState
	// Log receives one debug line per refused request. Nil discards them.
	Log *logrus.Entry
}

// ServeHTTP implements negroni.Handler.
func (g AdminGate) ServeHTTP(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	if g.State == nil || g.State.Allows(r.Method, r.RemoteAddr) {
		next(w, r)
		return
	}
	if g.Log != nil {
		g.Log.WithFields(logrus.Fields{
			"request_id": RequestID(r.Context()),
			"method":     r.Method,
			"path":       r.URL.Path,
			"remote":     r.RemoteAddr,
			"admin_mode": g.State.Mode().String(),
		}).Debug("request refused by admin mode")
	}
	http.Error(w, errs.TextMaintenance, http.StatusServiceUnavailable)
}
