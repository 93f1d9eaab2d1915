package sshexec

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshdPath is where Debian's openssh-server puts the daemon.
const sshdPath = "/usr/sbin/sshd"

// sshd is a real OpenSSH server on a random loopback port, with generated
// host and user keys, run by the test and killed at its end.
type sshd struct {
	t           *testing.T
	dir         string
	port        string
	user        string
	hostKey     ssh.PublicKey
	userKeyFile string // private key that authorized_keys accepts
	knownHosts  string // known_hosts holding the host key for [127.0.0.1]:port
	sudoLog     string // where the fake sudo on the sessions' PATH logs

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	logs   bytes.Buffer
}

// safeWriter serialises writes to the server's log buffer.
type safeWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w safeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// startSSHD starts sshd for t. It fails the test when sshd is not installed:
// CI must provide it.
func startSSHD(t *testing.T) *sshd {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		t.Fatalf("%s not found (%v): these tests need a real OpenSSH server; make test installs openssh-server as root (scripts/test-deps.sh), or apt-get install -y openssh-server", sshdPath, err)
	}
	// sshd insists on its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("creating /run/sshd for sshd: %v", err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	s := &sshd{t: t, dir: t.TempDir(), port: freePort(t), user: u.Username}

	hostPub := writeKey(t, filepath.Join(s.dir, "host_ed25519"))
	s.hostKey = hostPub
	s.userKeyFile = filepath.Join(s.dir, "user_ed25519")
	userPub := writeKey(t, s.userKeyFile)
	writeFile(t, filepath.Join(s.dir, "authorized_keys"), string(ssh.MarshalAuthorizedKey(userPub)), 0o600)
	s.knownHosts = filepath.Join(s.dir, "known_hosts")
	writeFile(t, s.knownHosts, knownhosts.Line([]string{s.addr()}, hostPub)+"\n", 0o600)

	// A fake sudo, first on the sessions' PATH, that logs and runs its
	// arguments: the tests run as root and sudo may not be installed.
	bin := filepath.Join(s.dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	s.sudoLog = filepath.Join(s.dir, "sudo.log")
	writeFile(t, filepath.Join(bin, "sudo"), "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '"+s.sudoLog+"'\nexec \"$@\"\n", 0o755)

	// An empty home: bash started by sshd reads ~/.bashrc, and this
	// machine's own dot files (slow, with locks) are no part of the test.
	home := filepath.Join(s.dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}

	cfg := fmt.Sprintf(`ListenAddress 127.0.0.1
Port %s
HostKey %s
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PidFile %s
PermitRootLogin yes
LogLevel ERROR
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 100
MaxSessions 10
SetEnv PATH=%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=%s
`, s.port, filepath.Join(s.dir, "host_ed25519"), filepath.Join(s.dir, "authorized_keys"),
		filepath.Join(s.dir, "sshd.pid"), bin, home)
	writeFile(t, filepath.Join(s.dir, "sshd_config"), cfg, 0o600)

	s.start()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			s.mu.Lock()
			t.Logf("sshd log:\n%s", s.logs.String())
			s.mu.Unlock()
		}
	})
	return s
}

func (s *sshd) addr() string { return net.JoinHostPort("127.0.0.1", s.port) }

// start runs sshd in the foreground and waits until its port accepts.
func (s *sshd) start() {
	s.t.Helper()
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", filepath.Join(s.dir, "sshd_config"))
	w := safeWriter{&s.mu, &s.logs}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.WaitDelay = 5 * time.Second // do not hang on pipes held by orphans
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			s.mu.Lock()
			defer s.mu.Unlock()
			s.t.Fatalf("sshd exited at start-up: %s", s.logs.String())
		default:
		}
		if c, err := net.Dial("tcp", s.addr()); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("sshd did not accept connections on %s within 10 s", s.addr())
		}
	}
}

// stop kills sshd and every sshd process serving a connection.
func (s *sshd) stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	s.killConnections()
	s.mu.Lock()
	s.cmd = nil
	s.mu.Unlock()
	_ = cmd.Process.Kill()
	<-exited
}

// killConnections SIGKILLs the sshd processes serving connections (the
// listener's descendants named sshd*), as a crash or a network cut would end
// them. The commands they run are left to the transport's watchdog.
func (s *sshd) killConnections() int { return s.signalConnections(syscall.SIGKILL) }

// signalConnections sends sig to the sshd processes serving connections and
// returns how many there were.
func (s *sshd) signalConnections(sig syscall.Signal) int {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return 0
	}
	killed := 0
	for _, pid := range descendants(cmd.Process.Pid) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.HasPrefix(string(comm), "sshd") {
			if syscall.Kill(pid, sig) == nil {
				killed++
			}
		}
	}
	return killed
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	children := make(map[int][]int)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// writeKey writes a new ed25519 private key in OpenSSH format to path (mode
// 0600, as sshd requires) and returns its public key.
func writeKey(t *testing.T, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(pem.EncodeToMemory(block)), 0o600)
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshPub
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
