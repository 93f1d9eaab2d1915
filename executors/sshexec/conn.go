package sshexec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostConn is the connection to one host and the limit on its sessions.
type hostConn struct {
	host     string // as callers name it
	addr     string // host:port dialled
	sessions chan struct{}
	dialing  chan struct{} // one dial at a time
	log      *logrus.Entry

	mu     sync.Mutex
	client *ssh.Client
}

// hostConn returns the connection record of host, creating it on first use.
func (t *Transport) hostConn(host string) (*hostConn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errors.New("ssh transport is closed")
	}
	if h, ok := t.hosts[host]; ok {
		return h, nil
	}
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = net.JoinHostPort(host, t.cfg.Port)
	}
	h := &hostConn{
		host:     host,
		addr:     addr,
		sessions: make(chan struct{}, t.cfg.MaxSessionsPerHost),
		dialing:  make(chan struct{}, 1),
		log:      t.log.WithField("host", host),
	}
	t.hosts[host] = h
	return h, nil
}

func (h *hostConn) current() *ssh.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.client
}

// drop forgets c, if it is still the host's client, and closes it.
func (h *hostConn) drop(c *ssh.Client) {
	h.mu.Lock()
	if h.client == c {
		h.client = nil
	}
	h.mu.Unlock()
	_ = c.Close()
}

func (h *hostConn) closeClient() {
	h.mu.Lock()
	c := h.client
	h.client = nil
	h.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// session opens a session on h, connecting first when there is no
// connection. A connection that fails to open a session is dropped and the
// host is dialled once more.
//
// sshd may refuse a session for a moment even below its MaxSessions: it frees
// a closed session only after it has read the packets at hand, so a close
// followed at once by an open can find the old session still counted. Refused
// opens are retried with a short backoff.
func (t *Transport) session(ctx context.Context, h *hostConn) (*ssh.Session, *ssh.Client, error) {
	var lastErr error
	reconnected := false
	backoff := 10 * time.Millisecond
	for refusals := 0; ; {
		c, fresh, err := t.connect(ctx, h)
		if err != nil {
			return nil, nil, err
		}
		s, err := t.newSession(ctx, c)
		if err == nil {
			return s, c, nil
		}
		if ctx.Err() != nil {
			return nil, nil, err
		}
		lastErr = err
		var refused *ssh.OpenChannelError
		if errors.As(err, &refused) {
			// The server is alive but said no.
			h.log.WithError(err).Debug("ssh session refused, retrying")
			if refusals++; refusals > 8 {
				break
			}
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("opening ssh session on %s: %w (gave up: %w)", h.addr, err, ctx.Err())
			}
			backoff *= 2
			continue
		}
		h.log.WithError(err).Debug("ssh connection unusable, reconnecting")
		h.drop(c)
		if fresh || reconnected {
			break
		}
		reconnected = true
	}
	return nil, nil, fmt.Errorf("opening ssh session on %s: %w", h.addr, lastErr)
}

// errUnresponsive reports a connection that did not answer a session request
// within the connect timeout, as a half-open TCP connection would.
var errUnresponsive = errors.New("connection does not answer")

// newSession opens a session on c, giving up when ctx ends or when the server
// does not answer within the connect timeout: ssh.Client.NewSession has no
// deadline of its own and would wait forever on a dead peer.
func (t *Transport) newSession(ctx context.Context, c *ssh.Client) (*ssh.Session, error) {
	type opened struct {
		s   *ssh.Session
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := c.NewSession()
		ch <- opened{s, err}
	}()
	timer := time.NewTimer(t.cfg.ConnectTimeout)
	defer timer.Stop()
	var err error
	select {
	case o := <-ch:
		return o.s, o.err
	case <-timer.C:
		err = errUnresponsive
	case <-ctx.Done():
		err = ctx.Err()
	}
	go func() { // close a session that opens after all
		if o := <-ch; o.s != nil {
			_ = o.s.Close()
		}
	}()
	return nil, err
}

// connect returns the host's client, dialling when there is none. fresh
// reports a client dialled by this call.
func (t *Transport) connect(ctx context.Context, h *hostConn) (c *ssh.Client, fresh bool, err error) {
	if c := h.current(); c != nil {
		return c, false, nil
	}
	select {
	case h.dialing <- struct{}{}:
	case <-ctx.Done():
		return nil, false, fmt.Errorf("connecting to %s: %w", h.addr, ctx.Err())
	}
	defer func() { <-h.dialing }()
	if c := h.current(); c != nil { // another caller dialled meanwhile
		return c, false, nil
	}

	start := time.Now()
	c, err = t.dial(ctx, h.addr)
	if err != nil {
		return nil, false, err
	}
	// Publish the client under t.mu, so that a Close either ran before
	// (and this connection is closed here) or runs after and finds it.
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		_ = c.Close()
		return nil, false, errors.New("ssh transport is closed")
	}
	h.mu.Lock()
	h.client = c
	h.mu.Unlock()
	t.mu.Unlock()
	h.log.WithField("duration", time.Since(start).Round(time.Millisecond).String()).Debug("ssh connected")
	go func() {
		err := c.Wait()
		h.log.WithField("reason", fmt.Sprint(err)).Debug("ssh connection closed")
		h.drop(c)
	}()
	return c, true, nil
}

// dial opens a TCP connection to addr and does the SSH handshake, within the
// connect timeout and the life of ctx.
func (t *Transport) dial(ctx context.Context, addr string) (*ssh.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.ConnectTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	// Abort the handshake when ctx ends.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	cfg := *t.client
	if t.hostKeys != nil {
		cfg.HostKeyAlgorithms = knownAlgorithms(t.hostKeys, addr)
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, &cfg)
	if !stop() {
		if err == nil {
			_ = sc.Close()
		}
		return nil, fmt.Errorf("ssh connection to %s as %s: %w", addr, t.cfg.User, ctx.Err())
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ssh connection to %s as %s: %w", addr, t.cfg.User, err)
	}
	return ssh.NewClient(sc, chans, reqs), nil
}

// HostKeyError reports a host key that the known_hosts files do not vouch
// for: the host is missing from them (Known is empty) or they list other keys
// for it (a mismatch).
type HostKeyError struct {
	// Host is the address as dialled, host:port.
	Host string
	// Offered is the key the server presented, as "<type> <SHA256 fingerprint>".
	Offered string
	// Known lists the keys the files hold for Host, as
	// "<type> <SHA256 fingerprint> (<file>:<line>)".
	Known []string
	// Files are the known_hosts files consulted.
	Files []string
}

// Error says what is wrong and how to fix it.
func (e *HostKeyError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("ssh host key of %s (%s) is not in the known_hosts files %s: check the fingerprint and add the key (ssh-keyscan prints it)",
			e.Host, e.Offered, strings.Join(e.Files, ", "))
	}
	return fmt.Sprintf("ssh host key of %s does not match known_hosts: the server offered %s, known_hosts has %s; "+
		"if the node was reinstalled update known_hosts, otherwise someone may be intercepting the connection",
		e.Host, e.Offered, strings.Join(e.Known, ", "))
}

// checkHostKey checks key against the known_hosts files and explains a
// rejection with a *HostKeyError.
func (t *Transport) checkHostKey(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := t.hostKeys(hostname, remote, key)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return err
	}
	he := &HostKeyError{Host: hostname, Offered: key.Type() + " " + ssh.FingerprintSHA256(key), Files: t.cfg.KnownHostsFiles}
	for _, k := range ke.Want {
		he.Known = append(he.Known, fmt.Sprintf("%s %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
	}
	return he
}

// probeKey is a key no known_hosts file holds; checking it lists the keys
// known for a host.
type probeKey struct{}

func (probeKey) Type() string                            { return "basalt-probe" }
func (probeKey) Marshal() []byte                         { return []byte("basalt-probe") }
func (probeKey) Verify(_ []byte, _ *ssh.Signature) error { return errors.New("probe key") }

// knownAlgorithms returns the host key algorithms to ask addr for: those of
// the keys known_hosts holds for it, so that a server with several host keys
// presents one that can be checked. It returns nil (the library default) for
// an unknown host.
func knownAlgorithms(cb ssh.HostKeyCallback, addr string) []string {
	var ke *knownhosts.KeyError
	if err := cb(addr, &net.TCPAddr{IP: net.IPv4zero}, probeKey{}); !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	seen := make(map[string]bool)
	add := func(a ...string) {
		for _, s := range a {
			if !seen[s] {
				seen[s] = true
				algos = append(algos, s)
			}
		}
	}
	for _, k := range ke.Want {
		switch typ := k.Key.Type(); typ {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(typ)
		}
	}
	return algos
}
