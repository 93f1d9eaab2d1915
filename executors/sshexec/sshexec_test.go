package sshexec

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/executortest"
)

// debugLog returns a logger at debug level that discards, so the debug
// paths run without flooding the test output.
func debugLog() *logrus.Entry {
	l := logrus.New()
	l.Out = io.Discard
	l.Level = logrus.DebugLevel
	return logrus.NewEntry(l)
}

// config returns a Config that logs in to s and checks its host key.
func (s *sshd) config() Config {
	return Config{User: s.user, Port: s.port, KeyFile: s.userKeyFile, KnownHostsFiles: []string{s.knownHosts}}
}

// transport returns a Transport for cfg, closed when the test ends.
func newTransport(t *testing.T, cfg Config, log *logrus.Entry) *Transport {
	t.Helper()
	if log == nil {
		log = debugLog()
	}
	tr, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func TestConformance(t *testing.T) {
	s := startSSHD(t)
	tr := newTransport(t, s.config(), nil)
	executortest.Run(t, func(t *testing.T) executortest.Target {
		return executortest.Target{Transport: tr, Host: "127.0.0.1", Dir: t.TempDir()}
	})
}

// mustRun runs cmds on 127.0.0.1 and fails the test unless all succeed.
func mustRun(t *testing.T, tr *Transport, cmds ...string) []executors.Result {
	t.Helper()
	res, err := tr.Run(context.Background(), "127.0.0.1", cmds, time.Minute)
	if err != nil {
		t.Fatalf("Run(%q): %v", cmds, err)
	}
	return res
}

// sessionServer is a command that prints the pid of the sshd process serving
// its connection: the command's parent is the watchdog, whose parent is the
// sshd process of the connection.
const sessionServer = `sed 's/.*) //' /proc/$PPID/stat | cut -d' ' -f2`

func TestConnectionReused(t *testing.T) {
	s := startSSHD(t)
	tr := newTransport(t, s.config(), nil)
	var first string
	for i := range 5 {
		res := mustRun(t, tr, "echo $PPID", sessionServer)
		if i == 0 {
			first = res[1].Stdout
			continue
		}
		if res[1].Stdout != first {
			t.Fatalf("run %d served by sshd process %q, run 0 by %q: want one connection reused", i, res[1].Stdout, first)
		}
	}
}

// writeKnownHosts writes a known_hosts file with one line for addr and key.
func writeKnownHosts(t *testing.T, addr string, key ssh.PublicKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, path, knownhosts.Line([]string{addr}, key)+"\n", 0o600)
	return path
}

func otherKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	return writeKey(t, filepath.Join(t.TempDir(), "other"))
}

func TestHostKeyRejected(t *testing.T) {
	s := startSSHD(t)
	tests := []struct {
		name       string
		knownHosts string
		want       string
		wantKnown  bool
	}{
		{"mismatch", writeKnownHosts(t, s.addr(), otherKey(t)), "does not match known_hosts", true},
		{"unknown host", writeKnownHosts(t, "[127.0.0.1]:1", s.hostKey), "is not in the known_hosts files", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s.config()
			cfg.KnownHostsFiles = []string{tc.knownHosts}
			tr := newTransport(t, cfg, nil)
			res, err := tr.Run(context.Background(), "127.0.0.1", []string{"touch " + filepath.Join(s.dir, "ran")}, time.Minute)
			var he *HostKeyError
			if !errors.As(err, &he) {
				t.Fatalf("Run = %d results, error %v; want a *HostKeyError", len(res), err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ssh.FingerprintSHA256(s.hostKey)) {
				t.Errorf("error %q, want it to say %q and show the offered key's fingerprint", err, tc.want)
			}
			if (len(he.Known) > 0) != tc.wantKnown || he.Host != s.addr() {
				t.Errorf("HostKeyError = %+v, want host %s and known keys: %v", he, s.addr(), tc.wantKnown)
			}
			if len(res) != 0 {
				t.Errorf("got %d results, want none", len(res))
			}
			if _, err := os.Stat(filepath.Join(s.dir, "ran")); err == nil {
				t.Errorf("the command ran on a host whose key was rejected")
			}
		})
	}
}

func TestWrongUserKey(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.KeyFile = filepath.Join(t.TempDir(), "stranger")
	writeKey(t, cfg.KeyFile)
	tr := newTransport(t, cfg, nil)
	_, err := tr.Run(context.Background(), "127.0.0.1", []string{"true"}, time.Minute)
	var ce *executors.CommandError
	if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("Run with a key sshd does not accept: error %v, want an authentication failure", err)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	writeKey(t, good)
	garbage := filepath.Join(dir, "garbage")
	writeFile(t, garbage, "not a key\n", 0o600)
	locked := filepath.Join(dir, "locked")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, locked, string(pem.EncodeToMemory(block)), 0o600)
	kh := filepath.Join(dir, "known_hosts")
	writeFile(t, kh, "", 0o600)

	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"no key file", Config{KnownHostsFiles: []string{kh}}, []string{"Missing ssh private key file in configuration"}},
		{"missing key file", Config{KeyFile: filepath.Join(dir, "nope"), KnownHostsFiles: []string{kh}}, []string{filepath.Join(dir, "nope"), "no such file"}},
		{"unparsable key file", Config{KeyFile: garbage, KnownHostsFiles: []string{kh}}, []string{garbage, "parsing ssh private key"}},
		{"passphrase", Config{KeyFile: locked, KnownHostsFiles: []string{kh}}, []string{locked, "passphrase"}},
		{"no host key checking", Config{KeyFile: good}, []string{"SSH_KNOWN_HOSTS", "insecure_ignore_host_key"}},
		{"missing known_hosts", Config{KeyFile: good, KnownHostsFiles: []string{filepath.Join(dir, "kh-nope")}}, []string{filepath.Join(dir, "kh-nope")}},
		{"bad port", Config{KeyFile: good, KnownHostsFiles: []string{kh}, Port: "ssh"}, []string{`invalid ssh port "ssh"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := New(tc.cfg, nil)
			if err == nil {
				tr.Close()
				t.Fatalf("New succeeded, want an error saying %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want it to contain %q", err, w)
				}
			}
		})
	}
	// Heketi's exact text.
	if _, err := New(Config{InsecureIgnoreHostKey: true}, nil); err == nil || err.Error() != "Missing ssh private key file in configuration" {
		t.Errorf("New without key file: %v, want Heketi's text", err)
	}
}

func TestInsecureOptIn(t *testing.T) {
	s := startSSHD(t)
	logger, hook := test.NewNullLogger()
	cfg := s.config()
	cfg.KnownHostsFiles = nil
	cfg.InsecureIgnoreHostKey = true
	tr := newTransport(t, cfg, logrus.NewEntry(logger))
	var warned bool
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel && strings.Contains(e.Message, "host key checking is DISABLED") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("New with InsecureIgnoreHostKey logged %d entries and no warning about disabled host key checking", len(hook.AllEntries()))
	}
	if res := mustRun(t, tr, "echo ok"); res[0].Stdout != "ok\n" {
		t.Errorf("stdout %q, want \"ok\\n\"", res[0].Stdout)
	}
}

func TestConnectionDroppedMidCommand(t *testing.T) {
	s := startSSHD(t)
	tr := newTransport(t, s.config(), nil)
	dir := t.TempDir()
	before := mustRun(t, tr, sessionServer)[0].Stdout

	pidFile := filepath.Join(dir, "pid")
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := tr.Run(context.Background(), "127.0.0.1", []string{"echo $$ > " + pidFile + "; sleep 30 & echo $! >> " + pidFile + "; wait"}, time.Minute)
		done <- err
	}()
	pids := waitPids(t, pidFile)
	if n := s.killConnections(); n == 0 {
		t.Fatalf("found no sshd process serving the connection")
	}
	select {
	case err := <-done:
		var ce *executors.CommandError
		if err == nil || errors.As(err, &ce) {
			t.Errorf("Run whose connection died: error %v, want a connection error", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("Run did not return within 15 s of its connection dying")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %v", d)
	}
	// With sshd gone nobody signals the command: the watchdog must kill it.
	waitDead(t, pids)

	res := mustRun(t, tr, "echo back", sessionServer)
	if res[0].Stdout != "back\n" {
		t.Errorf("stdout after reconnecting %q, want \"back\\n\"", res[0].Stdout)
	}
	if res[1].Stdout == before {
		t.Errorf("served by the same sshd process %q after it was killed", before)
	}
}

func TestReconnectAfterRestart(t *testing.T) {
	s := startSSHD(t)
	tr := newTransport(t, s.config(), nil)
	mustRun(t, tr, "true")
	s.stop()
	_, err := tr.Run(context.Background(), "127.0.0.1", []string{"true"}, time.Minute)
	if err == nil {
		t.Fatalf("Run with sshd stopped succeeded")
	}
	s.start()
	if res := mustRun(t, tr, "echo again"); res[0].Stdout != "again\n" {
		t.Errorf("stdout %q after sshd restart, want \"again\\n\"", res[0].Stdout)
	}
}

// TestUnresponsiveConnection freezes the sshd process of the connection, as a
// half-open TCP connection would look: the next command must give up on it
// after the connect timeout and reconnect.
func TestUnresponsiveConnection(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.ConnectTimeout = 2 * time.Second
	tr := newTransport(t, cfg, nil)
	before := mustRun(t, tr, sessionServer)[0].Stdout
	if n := s.signalConnections(syscall.SIGSTOP); n == 0 {
		t.Fatalf("found no sshd process serving the connection")
	}
	start := time.Now()
	res := mustRun(t, tr, "echo fresh", sessionServer)
	if d := time.Since(start); d < 2*time.Second || d > 10*time.Second {
		t.Errorf("Run over a frozen connection took %v, want the 2 s connect timeout and a reconnect", d)
	}
	if res[0].Stdout != "fresh\n" || res[1].Stdout == before {
		t.Errorf("got %q from sshd process %q (frozen one %q), want \"fresh\\n\" from a new connection", res[0].Stdout, res[1].Stdout, before)
	}
}

// TestWatchdogWithoutSignal proves the remote kill does not depend on sshd
// honouring the "signal" request: ending stdin alone kills the command and
// its children.
func TestWatchdogWithoutSignal(t *testing.T) {
	s := startSSHD(t)
	tr := newTransport(t, s.config(), nil)
	h, err := tr.hostConn("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := tr.session(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	if err := sess.Start(execLine("echo $$ > "+pidFile+"; sleep 30 & echo $! >> "+pidFile+"; wait", false)); err != nil {
		t.Fatal(err)
	}
	pids := waitPids(t, pidFile)
	stdin.Close()
	waitDead(t, pids)
	werr := make(chan error, 1)
	go func() { werr <- sess.Wait() }()
	select {
	case err := <-werr:
		var ee *ssh.ExitError
		if !errors.As(err, &ee) || ee.Signal() != "KILL" {
			t.Errorf("session ended with %v, want killed by SIGKILL", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("session did not end after its command was killed")
	}
}

func TestSessionLimit(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.MaxSessionsPerHost = 2
	tr := newTransport(t, cfg, nil)
	dir := t.TempDir()
	// Each command counts the commands running beside it.
	cmd := "d=" + dir + "; mkdir $d/run.$$; ls -d $d/run.* | wc -l >> $d/counts; sleep 0.5; rmdir $d/run.$$"
	var wg sync.WaitGroup
	start := time.Now()
	for range 6 {
		wg.Go(func() {
			if _, err := tr.Run(context.Background(), "127.0.0.1", []string{cmd}, time.Minute); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if d := time.Since(start); d < 1400*time.Millisecond {
		t.Errorf("6 commands of 0.5 s, 2 at a time, took %v; want at least 1.5 s", d)
	}
	counts, _ := os.ReadFile(filepath.Join(dir, "counts"))
	for _, c := range strings.Fields(string(counts)) {
		if c != "1" && c != "2" {
			t.Errorf("%s commands ran at once, want at most 2 (counts %q)", c, counts)
		}
	}
}

func TestSudo(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.Sudo = true
	tr := newTransport(t, cfg, nil)
	res := mustRun(t, tr, "echo hello", "printf '%s' 'it'\\''s'")
	if res[0].Stdout != "hello\n" || res[1].Stdout != "it's" {
		t.Errorf("stdout %q and %q, want \"hello\\n\" and \"it's\"", res[0].Stdout, res[1].Stdout)
	}
	logged, err := os.ReadFile(s.sudoLog)
	if err != nil {
		t.Fatalf("sudo was not run: %v", err)
	}
	if want := "echo hello\nprintf %s it's\n"; string(logged) != want {
		t.Errorf("sudo ran %q, want %q", logged, want)
	}
}

func TestOutputTruncated(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.MaxOutputBytes = 1000
	tr := newTransport(t, cfg, nil)
	res := mustRun(t, tr, "seq 1 100000; seq 1 100000 >&2")
	for name, out := range map[string]string{"stdout": res[0].Stdout, "stderr": res[0].Stderr} {
		if !strings.HasPrefix(out, "1\n2\n3\n") || !strings.Contains(out, "output truncated") || len(out) > 1200 {
			t.Errorf("%s: %d bytes ending %q, want the first 1000 bytes and a truncation note", name, len(out), out[max(0, len(out)-100):])
		}
	}
}

func TestUnreachable(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	writeKey(t, key)
	tr := newTransport(t, Config{KeyFile: key, InsecureIgnoreHostKey: true, Port: freePort(t), ConnectTimeout: 5 * time.Second}, nil)
	start := time.Now()
	res, err := tr.Run(context.Background(), "127.0.0.1", []string{"true"}, time.Minute)
	var ce *executors.CommandError
	if err == nil || errors.As(err, &ce) || len(res) != 0 {
		t.Errorf("Run on a closed port: %d results, error %v; want a connection error and no results", len(res), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run on a closed port took %v", d)
	}
}

func TestClose(t *testing.T) {
	s := startSSHD(t)
	tr := newTransport(t, s.config(), nil)
	mustRun(t, tr, "true")
	done := make(chan error, 1)
	started := filepath.Join(t.TempDir(), "started")
	go func() {
		_, err := tr.Run(context.Background(), "127.0.0.1", []string{"touch " + started + "; sleep 20"}, time.Minute)
		done <- err
	}()
	// Close once the command certainly runs, however slow the machine.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start within 10 s")
		}
	}
	tr.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("command running at Close succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Errorf("Run did not return within 10 s of Close")
	}
	if _, err := tr.Run(context.Background(), "127.0.0.1", []string{"true"}, time.Minute); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Run after Close: %v, want an error saying the transport is closed", err)
	}
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{
		"HEKETI_SSH_KEYFILE": "/etc/heketi/key",
		"HEKETI_SSH_USER":    "root",
		"HEKETI_SSH_PORT":    "2222",
		"SSH_KNOWN_HOSTS":    "/a/known_hosts::/b/known_hosts",
	}
	c := Config{User: "heketi", Port: "22", KeyFile: "/file/key", KnownHostsFiles: []string{"/file/kh"}, Sudo: true}
	c.ApplyEnv(func(k string) string { return env[k] })
	want := Config{User: "root", Port: "2222", KeyFile: "/etc/heketi/key", KnownHostsFiles: []string{"/a/known_hosts", "/b/known_hosts"}, Sudo: true}
	if c.User != want.User || c.Port != want.Port || c.KeyFile != want.KeyFile || strings.Join(c.KnownHostsFiles, ",") != strings.Join(want.KnownHostsFiles, ",") || !c.Sudo {
		t.Errorf("after ApplyEnv %+v, want %+v", c, want)
	}
	c2 := want
	c2.ApplyEnv(func(string) string { return "" })
	if c2.User != want.User || c2.KeyFile != want.KeyFile || len(c2.KnownHostsFiles) != 2 {
		t.Errorf("empty environment changed the config: %+v", c2)
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		cmd  string
		sudo bool
		want string
	}{
		{"gluster --mode=script peer status", false, `/bin/bash -c 'gluster --mode=script peer status'`},
		{"echo 'a b'", false, `/bin/bash -c 'echo '\''a b'\'''`},
		{"mkdir -p /x", true, `/bin/bash -c 'sudo mkdir -p /x'`},
		{`awk "BEGIN {print \"a\" >> \"/etc/fstab\"}"`, false, `/bin/bash -c 'awk "BEGIN {print \"a\" >> \"/etc/fstab\"}"'`},
	}
	for _, tc := range tests {
		if got := heketiLine(tc.cmd, tc.sudo); got != tc.want {
			t.Errorf("heketiLine(%q, %v) = %s, want %s", tc.cmd, tc.sudo, got, tc.want)
		}
		if got := execLine(tc.cmd, tc.sudo); !strings.HasSuffix(got, " basalt-watchdog "+tc.want) {
			t.Errorf("execLine(%q) = %s, want it to end with the Heketi line", tc.cmd, got)
		}
	}
	if strings.Contains(watchdog, "'") {
		t.Errorf("watchdog holds a single quote; quote() would mangle it")
	}
}

func TestLimitedBuffer(t *testing.T) {
	b := &limitedBuffer{max: 5}
	for _, s := range []string{"ab", "cde", "fg", "h"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", s, n, err, len(s))
		}
	}
	if got, want := b.String(), "abcde\n[basalt: output truncated: 3 bytes dropped after the first 5]\n"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// waitPids waits for a command to write two pids to path.
func waitPids(t *testing.T, path string) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if f := strings.Fields(string(b)); len(f) == 2 {
			return f
		}
	}
	t.Fatalf("the command did not write its pids to %s within 10 s", path)
	return nil
}

// waitDead waits for the processes to be gone (zombies count as gone).
func waitDead(t *testing.T, pids []string) {
	t.Helper()
	var alive []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		alive = alive[:0]
		for _, p := range pids {
			stat, err := os.ReadFile("/proc/" + p + "/stat")
			if err != nil {
				continue
			}
			if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) > 0 && f[0] == "Z" {
				continue
			}
			alive = append(alive, p)
		}
		if len(alive) == 0 {
			return
		}
	}
	t.Errorf("processes %v still alive 10 s after their session ended, want them killed", alive)
}
