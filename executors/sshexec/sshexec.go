// Package sshexec is the SSH transport: it runs command strings on storage
// nodes over SSH, the way Heketi's ssh executor does (facts 7.1), with these
// differences:
//
//   - One SSH connection per host, opened on first use and reused by every
//     command; when it breaks it is dropped and the next command reconnects
//     (once per command, before failing).
//   - A bounded number of concurrent sessions per host (Config.MaxSessionsPerHost).
//   - Host keys are checked against known_hosts files (SSH_KNOWN_HOSTS or
//     Config.KnownHostsFiles). Accepting any host key must be asked for with
//     Config.InsecureIgnoreHostKey, and New logs a warning when it is.
//   - A command that times out or whose context ends is really killed on the
//     node, together with its children (see watchdog in render.go).
//
// Each command runs in its own session as
//
//	/bin/bash -c '<cmd>'
//
// with every single quote of cmd escaped (see quote) and, when Config.Sudo is set,
// "sudo " put before cmd.
package sshexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/basalt-storage/basalt/executors"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultUser               = "heketi"
	DefaultPort               = "22"
	DefaultMaxSessionsPerHost = 8
	DefaultConnectTimeout     = 30 * time.Second
	DefaultMaxOutputBytes     = 64 << 20
)

// TimeoutText is the error text of a command that ran out of time, as Heketi
// reports it.
const TimeoutText = "SSH command timeout"

// errMissingKeyFile is Heketi's start-up error text for a missing key file.
var errMissingKeyFile = errors.New("Missing ssh private key file in configuration")

// killGrace bounds how long Run waits for a killed session to wind down before
// it returns anyway.
const killGrace = 5 * time.Second

// Config configures the SSH transport. The JSON names of the Heketi keys are
// those of the `sshexec` object of heketi.json (facts 6.1).
type Config struct {
	// User to log in as; default "heketi". Env HEKETI_SSH_USER.
	User string `json:"user"`
	// Port of sshd on the nodes; default "22". A host given as host:port
	// overrides it. Env HEKETI_SSH_PORT.
	Port string `json:"port"`
	// KeyFile is the private key file (required, without passphrase).
	// Env HEKETI_SSH_KEYFILE.
	KeyFile string `json:"keyfile"`
	// KnownHostsFiles are OpenSSH known_hosts files that host keys are checked
	// against. Env SSH_KNOWN_HOSTS (colon separated) replaces them.
	KnownHostsFiles []string `json:"known_hosts_files"`
	// InsecureIgnoreHostKey accepts any host key. It must be set explicitly
	// when no known_hosts file is given; New logs a warning when it is used.
	InsecureIgnoreHostKey bool `json:"insecure_ignore_host_key"`
	// Sudo puts `sudo ` before every command.
	Sudo bool `json:"sudo"`
	// MaxSessionsPerHost bounds concurrent commands per host; default 8. Keep
	// it at or below the nodes' sshd MaxSessions (10 by default).
	MaxSessionsPerHost int `json:"max_sessions_per_host"`
	// ConnectTimeout bounds dialing and the SSH handshake; default 30 s.
	ConnectTimeout time.Duration `json:"-"`
	// MaxOutputBytes bounds the stdout and the stderr kept per command; more
	// is dropped and a note is appended. Default 64 MiB.
	MaxOutputBytes int `json:"-"`
}

// ApplyEnv overrides c with the environment variables Heketi honours for the
// SSH executor (facts 6.2): HEKETI_SSH_KEYFILE, HEKETI_SSH_USER,
// HEKETI_SSH_PORT and SSH_KNOWN_HOSTS. Empty variables are ignored. getenv is
// usually os.Getenv.
func (c *Config) ApplyEnv(getenv func(string) string) {
	if v := getenv("HEKETI_SSH_KEYFILE"); v != "" {
		c.KeyFile = v
	}
	if v := getenv("HEKETI_SSH_USER"); v != "" {
		c.User = v
	}
	if v := getenv("HEKETI_SSH_PORT"); v != "" {
		c.Port = v
	}
	if v := getenv("SSH_KNOWN_HOSTS"); v != "" {
		var files []string
		for _, f := range strings.Split(v, ":") {
			if f != "" {
				files = append(files, f)
			}
		}
		c.KnownHostsFiles = files
	}
}

// Transport runs commands over SSH. It implements executors.Transport and is
// safe for concurrent use. Close it to close its connections.
type Transport struct {
	cfg      Config
	log      *logrus.Entry
	client   *ssh.ClientConfig
	hostKeys ssh.HostKeyCallback // nil when host keys are not checked

	mu     sync.Mutex
	hosts  map[string]*hostConn
	closed bool
}

var _ executors.Transport = (*Transport)(nil)

// New checks cfg, loads the private key and the known_hosts files and returns
// a Transport. It does not connect to any host. log may be nil.
func New(cfg Config, log *logrus.Entry) (*Transport, error) {
	if log == nil {
		l := logrus.New()
		l.Out = io.Discard
		log = logrus.NewEntry(l)
	}
	log = log.WithField("transport", "ssh")
	if cfg.User == "" {
		cfg.User = DefaultUser
	}
	if cfg.Port == "" {
		cfg.Port = DefaultPort
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("invalid ssh port %q", cfg.Port)
	}
	if cfg.MaxSessionsPerHost <= 0 {
		cfg.MaxSessionsPerHost = DefaultMaxSessionsPerHost
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if cfg.KeyFile == "" {
		return nil, errMissingKeyFile
	}
	signer, err := loadKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}

	t := &Transport{cfg: cfg, log: log, hosts: make(map[string]*hostConn)}
	t.client = &ssh.ClientConfig{
		User:    cfg.User,
		Auth:    []ssh.AuthMethod{ssh.PublicKeys(signer)},
		Timeout: cfg.ConnectTimeout,
	}
	switch {
	case len(cfg.KnownHostsFiles) > 0:
		cb, err := knownhosts.New(cfg.KnownHostsFiles...)
		if err != nil {
			return nil, fmt.Errorf("reading ssh known_hosts files %s: %w", strings.Join(cfg.KnownHostsFiles, ", "), err)
		}
		t.hostKeys = cb
		t.client.HostKeyCallback = t.checkHostKey
		if cfg.InsecureIgnoreHostKey {
			log.Info("known_hosts files are configured, so insecure_ignore_host_key is ignored and host keys are checked")
		}
	case cfg.InsecureIgnoreHostKey:
		t.client.HostKeyCallback = ssh.InsecureIgnoreHostKey()
		log.Warn("SSH host key checking is DISABLED (insecure_ignore_host_key): any host, including a man in the middle, is trusted with root commands; set SSH_KNOWN_HOSTS or known_hosts_files instead")
	default:
		return nil, errors.New("no ssh known_hosts file configured: set SSH_KNOWN_HOSTS to known_hosts file(s) (colon separated) or configure sshexec known_hosts_files " +
			"(fill them with `ssh-keyscan -p <port> <node>` after checking the fingerprints), " +
			"or set sshexec insecure_ignore_host_key to true to accept any host key (not recommended)")
	}
	log.WithFields(logrus.Fields{
		"user":              cfg.User,
		"port":              cfg.Port,
		"keyfile":           cfg.KeyFile,
		"key_type":          signer.PublicKey().Type(),
		"known_hosts":       strings.Join(cfg.KnownHostsFiles, ":"),
		"sudo":              cfg.Sudo,
		"sessions_per_host": cfg.MaxSessionsPerHost,
	}).Debug("ssh transport ready")
	return t, nil
}

// loadKey reads and parses an unencrypted private key file.
func loadKey(path string) (ssh.Signer, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading ssh private key file: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("ssh private key file %s is protected by a passphrase; use a key without one", path)
	case err != nil:
		return nil, fmt.Errorf("parsing ssh private key file %s: %w", path, err)
	}
	return signer, nil
}

// Close closes every connection. Commands still running fail, and later
// calls to Run return an error.
func (t *Transport) Close() error {
	t.mu.Lock()
	hosts := t.hosts
	t.hosts = make(map[string]*hostConn)
	t.closed = true
	t.mu.Unlock()
	for _, h := range hosts {
		h.closeClient()
	}
	return nil
}

// Run runs cmds on host in order, each in its own session, and stops at the
// first command that fails. See executors.Transport.
//
// A command that exits non-zero gives a *executors.CommandError whose text is
// its stderr. A command that outlives timeout, or the deadline of ctx, is
// killed and gives a *executors.CommandError with TimedOut set and the text
// "SSH command timeout". When ctx is cancelled the command is killed and the
// error wraps ctx.Err(). A command cut off by a broken connection is not run
// again: it gives an error, and the next command reconnects.
func (t *Transport) Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]executors.Result, error) {
	results := make([]executors.Result, 0, len(cmds))
	if len(cmds) == 0 {
		return results, nil
	}
	h, err := t.hostConn(host)
	if err != nil {
		return results, err
	}
	for _, cmd := range cmds {
		if err := ctx.Err(); err != nil {
			return results, t.stopped(host, cmd, "", err)
		}
		res, err := t.runOne(ctx, h, host, cmd, timeout)
		if res != nil {
			results = append(results, *res)
		}
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// stopped is the error for a command that ctx ended: a timeout for a deadline,
// the context's error otherwise.
func (t *Transport) stopped(host, cmd, stdout string, ctxErr error) error {
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		return &executors.CommandError{Host: host, Command: cmd, ExitStatus: -1, Stdout: stdout, Stderr: TimeoutText, TimedOut: true}
	}
	return fmt.Errorf("ssh command on %s stopped: %w", host, ctxErr)
}

// runOne runs one command. The returned Result is nil when the command was
// not started.
func (t *Transport) runOne(ctx context.Context, h *hostConn, host, cmd string, timeout time.Duration) (*executors.Result, error) {
	select {
	case h.sessions <- struct{}{}:
	case <-ctx.Done():
		return nil, t.stopped(host, cmd, "", ctx.Err())
	}
	defer func() { <-h.sessions }()

	sess, client, err := t.session(ctx, h)
	if err != nil {
		if ctx.Err() != nil {
			return nil, t.stopped(host, cmd, "", ctx.Err())
		}
		return nil, err
	}
	defer sess.Close()

	// The watchdog kills the command when stdin ends, so stdin stays open
	// until the command is done or must die.
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("ssh session on %s: %w", host, err)
	}
	defer stdin.Close()
	stdout := &limitedBuffer{max: t.cfg.MaxOutputBytes}
	stderr := &limitedBuffer{max: t.cfg.MaxOutputBytes}
	sess.Stdout, sess.Stderr = stdout, stderr

	cctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}

	start := time.Now()
	if err := sess.Start(execLine(cmd, t.cfg.Sudo)); err != nil {
		// A broken connection is dropped by the watcher started in
		// connect; a refused exec request leaves the connection usable.
		return nil, fmt.Errorf("starting ssh command on %s: %w", host, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	var waitErr error
	killed := false
	select {
	case waitErr = <-done:
	case <-cctx.Done():
		select {
		case waitErr = <-done: // finished just in time
		default:
			killed = true
			// Kill the process group (OpenSSH 7.9+), then end stdin so
			// the watchdog kills it on servers that ignore signals, then
			// close.
			_ = sess.Signal(ssh.SIGKILL)
			_ = stdin.Close()
			_ = sess.Close()
			select {
			case <-done:
			case <-time.After(killGrace):
				// The session does not wind down: the connection is dead.
				h.drop(client)
			}
		}
	}
	elapsed := time.Since(start)

	res := &executors.Result{Command: cmd, Stdout: stdout.String(), Stderr: stderr.String(), ExitStatus: -1}
	var exitErr *ssh.ExitError
	switch {
	case killed:
	case waitErr == nil:
		res.ExitStatus = 0
	case errors.As(waitErr, &exitErr):
		res.ExitStatus = exitErr.ExitStatus()
	}
	t.log.WithFields(logrus.Fields{
		"host":        host,
		"command":     cmd,
		"duration":    elapsed.Round(time.Millisecond).String(),
		"exit_status": res.ExitStatus,
		"killed":      killed,
	}).Debug("ssh command")

	switch {
	case killed:
		err := ctx.Err()
		if err == nil {
			err = context.DeadlineExceeded // our own timeout
		}
		return res, t.stopped(host, cmd, res.Stdout, err)
	case res.ExitStatus == 0:
		return res, nil
	case res.ExitStatus > 0:
		return res, &executors.CommandError{Host: host, Command: cmd, ExitStatus: res.ExitStatus, Stdout: res.Stdout, Stderr: res.Stderr}
	default:
		// No exit status: the connection broke under the command (the
		// watcher started in connect drops it) or the server lost the
		// session. The command is not run again: it may not be idempotent.
		return res, fmt.Errorf("ssh session on %s ended without an exit status (connection lost?): %w", host, waitErr)
	}
}
