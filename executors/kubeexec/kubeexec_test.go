package kubeexec_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-storage/basalt/executors"
	"github.com/basalt-storage/basalt/executors/kubeexec"
	"github.com/basalt-storage/basalt/internal/testctx"
)

const testNS = "glusterfs"

// newTransport returns a transport for f with cfg's namespace defaulting to
// testNS and its client configuration pointing at f.
func newTransport(t *testing.T, f *fakeAPIServer, cfg kubeexec.Config) *kubeexec.Transport {
	t.Helper()
	if cfg.Namespace == "" && cfg.NamespaceFile == "" {
		cfg.Namespace = testNS
	}
	if cfg.RESTConfig == nil && cfg.Kubeconfig == "" {
		cfg.RESTConfig = f.restConfig()
	}
	tr, err := kubeexec.New(cfg, nil)
	if err != nil {
		t.Fatalf("kubeexec.New: %v", err)
	}
	return tr
}

func nodeLabel(host string) map[string]string {
	return map[string]string{kubeexec.NodeLabel: host}
}

func lastExec(t *testing.T, f *fakeAPIServer) execRecord {
	t.Helper()
	log := f.execLog()
	if len(log) == 0 {
		t.Fatal("the API server served no exec request")
	}
	return log[len(log)-1]
}

func TestLabelSelectionRunsInFirstContainer(t *testing.T) {
	f := newFakeAPIServer(t)
	dir := f.addPod(testNS, "glusterfs-abc12", nodeLabel("node1.example.com"), "k8s-1", "glusterfs", "sidecar")
	f.addPod(testNS, "glusterfs-def34", nodeLabel("node2.example.com"), "k8s-2")
	f.addPod(testNS, "unlabelled", nil, "k8s-1")
	f.addPod("elsewhere", "glusterfs-zzz", nodeLabel("node1.example.com"), "k8s-1")
	tr := newTransport(t, f, kubeexec.Config{})

	cmd := "pwd; echo to-stderr >&2"
	res, err := tr.Run(context.Background(), "node1.example.com", []string{cmd}, 90*time.Second)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []executors.Result{{Command: cmd, Stdout: dir + "\n", Stderr: "to-stderr\n"}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("results = %#v, want %#v", res, want)
	}
	rec := lastExec(t, f)
	if rec.Namespace != testNS || rec.Pod != "glusterfs-abc12" || rec.Container != "glusterfs" {
		t.Errorf("exec went to %s/%s container %q, want %s/glusterfs-abc12 container glusterfs", rec.Namespace, rec.Pod, rec.Container, testNS)
	}
	// 90 s rounds up to 2 minutes.
	if wantArgv := []string{"timeout", "2m", "bash", "-c", cmd}; !reflect.DeepEqual(rec.Command, wantArgv) {
		t.Errorf("argv = %q, want %q", rec.Command, wantArgv)
	}
	if rec.Transport != "websocket" || rec.Protocol != "v5.channel.k8s.io" || rec.Method != "GET" {
		t.Errorf("exec used %s %s with %q, want websocket v5.channel.k8s.io with GET", rec.Transport, rec.Protocol, rec.Method)
	}
}

func TestTimeoutPrefix(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod(testNS, "g1", nodeLabel("n1"), "k1")
	for _, tc := range []struct {
		name     string
		disable  bool
		timeout  time.Duration
		wantArgv []string
	}{
		{"one second is one minute", false, time.Second, []string{"timeout", "1m", "bash", "-c", "true"}},
		{"whole minutes", false, 10 * time.Minute, []string{"timeout", "10m", "bash", "-c", "true"}},
		{"rounded up", false, 10*time.Minute + time.Second, []string{"timeout", "11m", "bash", "-c", "true"}},
		{"no timeout", false, 0, []string{"bash", "-c", "true"}},
		{"disabled", true, 5 * time.Minute, []string{"bash", "-c", "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, f, kubeexec.Config{DisableTimeoutPrefix: tc.disable})
			if _, err := tr.Run(context.Background(), "n1", []string{"true"}, tc.timeout); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := lastExec(t, f).Command; !reflect.DeepEqual(got, tc.wantArgv) {
				t.Errorf("argv = %q, want %q", got, tc.wantArgv)
			}
		})
	}
}

func TestPodSelectionErrors(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod(testNS, "glusterfs-b", nodeLabel("shared"), "k8s-1")
	f.addPod(testNS, "glusterfs-a", nodeLabel("shared"), "k8s-2")
	f.addPod(testNS, "glusterfs-c", map[string]string{kubeexec.NodeLabel: "pod"}, "k8s-3")
	for _, tc := range []struct {
		name    string
		cfg     kubeexec.Config
		host    string
		wantErr string
	}{
		{"no pod with the label", kubeexec.Config{}, "missing.example.com",
			"No pods with the label 'glusterfs-node=missing.example.com' were found"},
		{"several pods with the label", kubeexec.Config{}, "shared",
			"Found 2 pods sharing the same label 'glusterfs-node=shared': glusterfs-a, glusterfs-b"},
		{"no pod in the namespace", kubeexec.Config{Namespace: "empty"}, "shared",
			"No pods with the label 'glusterfs-node=shared' were found"},
		{"daemonset: no pod on the node", kubeexec.Config{GlusterDaemonSet: true}, "k8s-9",
			"Unable to find a GlusterFS pod on host k8s-9 with a label key glusterfs-node"},
		{"pod names: no such pod", kubeexec.Config{UsePodNames: true}, "nope",
			`Unable to get pod spec for nope: pods "nope" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, f, tc.cfg)
			res, err := tr.Run(context.Background(), tc.host, []string{"true"}, time.Minute)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if len(res) != 0 {
				t.Errorf("results = %v, want none", res)
			}
		})
	}
	if n := len(f.execLog()); n != 0 {
		t.Errorf("the API server served %d exec requests, want none", n)
	}
}

func TestDaemonSetSelectsPodOnNode(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod(testNS, "glusterfs-x1", map[string]string{kubeexec.NodeLabel: "pod"}, "k8s-1")
	dir2 := f.addPod(testNS, "glusterfs-x2", map[string]string{kubeexec.NodeLabel: "pod"}, "k8s-2")
	// Same node, but not a GlusterFS pod.
	f.addPod(testNS, "aaa-other", map[string]string{"app": "web"}, "k8s-2")
	tr := newTransport(t, f, kubeexec.Config{GlusterDaemonSet: true})

	res, err := tr.Run(context.Background(), "k8s-2", []string{"pwd"}, time.Minute)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res[0].Stdout != dir2+"\n" {
		t.Errorf("ran in %q, want the directory of glusterfs-x2 %q", res[0].Stdout, dir2)
	}
	if rec := lastExec(t, f); rec.Pod != "glusterfs-x2" {
		t.Errorf("exec went to pod %s, want glusterfs-x2", rec.Pod)
	}
}

func TestPodNamesSelectsPodByName(t *testing.T) {
	f := newFakeAPIServer(t)
	dir := f.addPod(testNS, "glusterfs-byname", nil, "k8s-1", "first", "second")
	tr := newTransport(t, f, kubeexec.Config{UsePodNames: true})

	res, err := tr.Run(context.Background(), "glusterfs-byname", []string{"pwd"}, time.Minute)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res[0].Stdout != dir+"\n" {
		t.Errorf("ran in %q, want %q", res[0].Stdout, dir)
	}
	if rec := lastExec(t, f); rec.Pod != "glusterfs-byname" || rec.Container != "first" {
		t.Errorf("exec went to pod %s container %s, want glusterfs-byname container first", rec.Pod, rec.Container)
	}
}

// TestPodReadsPreferProtobuf: pod gets and lists ask for protobuf first, as
// client-go's typed client does, and still work against a server that
// answers JSON only (as this fake does).
func TestPodReadsPreferProtobuf(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod(testNS, "glusterfs-a", nodeLabel("node1.example.com"), "k8s-1")
	for _, cfg := range []kubeexec.Config{{}, {UsePodNames: true}} {
		host := "node1.example.com"
		if cfg.UsePodNames {
			host = "glusterfs-a"
		}
		if _, err := newTransport(t, f, cfg).Run(context.Background(), host, []string{"true"}, time.Minute); err != nil {
			t.Fatalf("Run with %+v: %v", cfg, err)
		}
	}
	f.mu.Lock()
	accepts := append([]string(nil), f.readAccepts...)
	f.mu.Unlock()
	if len(accepts) != 2 {
		t.Fatalf("expected a pod list and a pod get, saw %d reads", len(accepts))
	}
	for _, a := range accepts {
		if !strings.HasPrefix(a, "application/vnd.kubernetes.protobuf") || !strings.Contains(a, "application/json") {
			t.Errorf("Accept %q: want protobuf first, JSON as the fallback", a)
		}
	}
}

func TestNamespace(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod("from-config", "g-config", nodeLabel("h"), "k1")
	f.addPod("from-file", "g-file", nodeLabel("h"), "k1")
	nsFile := filepath.Join(t.TempDir(), "namespace")
	if err := os.WriteFile(nsFile, []byte("from-file\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		cfg     kubeexec.Config
		wantPod string
	}{
		{"config wins over the file", kubeexec.Config{Namespace: "from-config", NamespaceFile: nsFile}, "g-config"},
		{"service-account file", kubeexec.Config{NamespaceFile: nsFile}, "g-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTransport(t, f, tc.cfg)
			if _, err := tr.Run(context.Background(), "h", []string{"true"}, time.Minute); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if rec := lastExec(t, f); rec.Pod != tc.wantPod {
				t.Errorf("exec went to pod %s/%s, want %s", rec.Namespace, rec.Pod, tc.wantPod)
			}
		})
	}

	t.Run("no namespace anywhere", func(t *testing.T) {
		_, err := kubeexec.New(kubeexec.Config{
			NamespaceFile: filepath.Join(t.TempDir(), "absent"),
			RESTConfig:    f.restConfig(),
		}, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "Namespace must be provided in configuration: ") {
			t.Fatalf("error = %v, want one starting with %q", err, "Namespace must be provided in configuration: ")
		}
	})
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{
		"HEKETI_KUBE_NAMESPACE":         "gluster-ns",
		"HEKETI_KUBE_GLUSTER_DAEMONSET": "Yes",
		"HEKETI_KUBE_USE_POD_NAMES":     "0",
	}
	cfg := kubeexec.Config{Namespace: "file-ns", UsePodNames: true}
	cfg.ApplyEnv(func(k string) string { return env[k] })
	if cfg.Namespace != "gluster-ns" || !cfg.GlusterDaemonSet || cfg.UsePodNames {
		t.Errorf("after env: namespace %q daemonset %v pod names %v, want gluster-ns true false",
			cfg.Namespace, cfg.GlusterDaemonSet, cfg.UsePodNames)
	}

	cfg = kubeexec.Config{Namespace: "file-ns", GlusterDaemonSet: true}
	cfg.ApplyEnv(func(k string) string {
		if k == "HEKETI_KUBE_GLUSTER_DAEMONSET" {
			return "maybe" // neither y/1 nor n/0: unchanged
		}
		return ""
	})
	if cfg.Namespace != "file-ns" || !cfg.GlusterDaemonSet {
		t.Errorf("unset or unrecognised env changed the config: %+v", cfg)
	}
}

// protocols runs fn once against a server that accepts websocket and once
// against one that only speaks SPDY, checking which one was used.
func protocols(t *testing.T, fn func(t *testing.T, f *fakeAPIServer, tr *kubeexec.Transport)) {
	for _, tc := range []struct {
		transport, protocol, method string
	}{
		{"websocket", "v5.channel.k8s.io", "GET"},
		{"spdy", "v4.channel.k8s.io", "POST"},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			f := newFakeAPIServer(t)
			f.mu.Lock()
			f.noWebsocket = tc.transport == "spdy"
			f.mu.Unlock()
			f.addPod(testNS, "glusterfs-1", nodeLabel("node1"), "k8s-1")
			fn(t, f, newTransport(t, f, kubeexec.Config{}))
			for _, rec := range f.execLog() {
				if rec.Transport != tc.transport || rec.Protocol != tc.protocol || rec.Method != tc.method {
					t.Errorf("exec used %s %s with %s, want %s %s with %s",
						rec.Transport, rec.Protocol, rec.Method, tc.transport, tc.protocol, tc.method)
				}
			}
		})
	}
}

func TestExitCodesAndOutput(t *testing.T) {
	protocols(t, func(t *testing.T, f *fakeAPIServer, tr *kubeexec.Transport) {
		cmds := []string{
			"echo one",
			"printf 'partial out'; echo 'device busy' >&2; exit 5",
			"echo never",
		}
		res, err := tr.Run(context.Background(), "node1", cmds, time.Minute)
		var ce *executors.CommandError
		if !errors.As(err, &ce) {
			t.Fatalf("error = %v (%T), want *executors.CommandError", err, err)
		}
		if ce.ExitStatus != 5 || ce.TimedOut || ce.Command != cmds[1] || ce.Host != "node1" {
			t.Errorf("CommandError = %+v, want exit 5 of %q on node1, not timed out", ce, cmds[1])
		}
		if err.Error() != "device busy" {
			t.Errorf("error text = %q, want the command's stderr %q", err.Error(), "device busy")
		}
		want := []executors.Result{
			{Command: cmds[0], Stdout: "one\n"},
			{Command: cmds[1], Stdout: "partial out", Stderr: "device busy\n", ExitStatus: 5},
		}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("results = %#v, want %#v", res, want)
		}
		if n := len(f.execLog()); n != 2 {
			t.Errorf("the API server ran %d commands, want 2 (stop at the first failure)", n)
		}

		// Exit codes pass through unchanged; stdout is the text when stderr is empty.
		for _, code := range []int{1, 2, 127, 255} {
			_, err := tr.Run(context.Background(), "node1", []string{fmt.Sprintf("echo out-%d; exit %d", code, code)}, time.Minute)
			if !errors.As(err, &ce) || ce.ExitStatus != code || err.Error() != fmt.Sprintf("out-%d", code) {
				t.Errorf("exit %d: error = %v (%+v), want CommandError with exit %d and text out-%d", code, err, ce, code, code)
			}
		}

		// Large output survives framing.
		big := strings.Repeat("0123456789abcdef", 64*1024)
		res, err = tr.Run(context.Background(), "node1", []string{"head -c 1048576 /dev/zero | tr '\\0' x; printf %s " + big[:16]}, time.Minute)
		if err != nil {
			t.Fatalf("large output: %v", err)
		}
		if got := len(res[0].Stdout); got != 1048576+16 {
			t.Errorf("large output: got %d bytes of stdout, want %d", got, 1048576+16)
		}
	})
}

func TestExit124IsTimeout(t *testing.T) {
	protocols(t, func(t *testing.T, f *fakeAPIServer, tr *kubeexec.Transport) {
		res, err := tr.Run(context.Background(), "node1", []string{"echo slow >&2; exit 124", "echo never"}, time.Minute)
		var ce *executors.CommandError
		if !errors.As(err, &ce) || !ce.TimedOut || ce.ExitStatus != 124 {
			t.Fatalf("error = %v (%+v), want a timed-out CommandError with exit 124", err, ce)
		}
		if err.Error() != "timeout" {
			t.Errorf("error text = %q, want Heketi's %q", err.Error(), "timeout")
		}
		if len(res) != 1 || res[0].Stderr != "slow\n" || res[0].ExitStatus != 124 {
			t.Errorf("results = %#v, want one result with the command's own stderr and exit 124", res)
		}
	})

	// Without the timeout prefix, 124 is just an exit code.
	f := newFakeAPIServer(t)
	f.addPod(testNS, "g", nodeLabel("n"), "k")
	tr := newTransport(t, f, kubeexec.Config{DisableTimeoutPrefix: true})
	_, err := tr.Run(context.Background(), "n", []string{"echo plain >&2; exit 124"}, time.Minute)
	var ce *executors.CommandError
	if !errors.As(err, &ce) || ce.TimedOut || err.Error() != "plain" {
		t.Errorf("without prefix: error = %v (%+v), want a CommandError that is not a timeout with text plain", err, ce)
	}
}

func TestClientSideTimeout(t *testing.T) {
	protocols(t, func(t *testing.T, f *fakeAPIServer, tr *kubeexec.Transport) {
		start := time.Now()
		res, err := tr.Run(context.Background(), "node1", []string{"echo started; sleep 30", "echo never"}, 700*time.Millisecond)
		elapsed := time.Since(start)
		var ce *executors.CommandError
		if !errors.As(err, &ce) || !ce.TimedOut {
			t.Fatalf("error = %v (%T), want a timed-out *executors.CommandError", err, err)
		}
		if err.Error() != "timeout" {
			t.Errorf("error text = %q, want %q", err.Error(), "timeout")
		}
		if elapsed > 10*time.Second {
			t.Errorf("Run returned after %v, want about 700ms", elapsed)
		}
		if len(res) != 1 || res[0].Command != "echo started; sleep 30" {
			t.Errorf("results = %#v, want the one started command", res)
		}
		// Dropping the stream ends the command on the server.
		waitFor(t, "the abandoned command to be killed", func() bool { return f.runningCommands() == 0 })

		// A deadline of the caller's context is a timeout too; a cancellation is not.
		// Both end the context once the command runs: a fixed delay could
		// pass while a slow machine still looks the pod up, which is no
		// command and so no CommandError.
		dctx := testctx.NewExpiring(context.Background())
		errc := make(chan error, 1)
		go func() { _, err := tr.Run(dctx, "node1", []string{"sleep 30"}, time.Minute); errc <- err }()
		waitFor(t, "the command to run", func() bool { return f.runningCommands() == 1 })
		dctx.Expire()
		if err := <-errc; !errors.As(err, &ce) || !ce.TimedOut {
			t.Errorf("context deadline: error = %v, want a timed-out CommandError", err)
		}
		waitFor(t, "the timed-out command to be killed", func() bool { return f.runningCommands() == 0 })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { _, err := tr.Run(ctx, "node1", []string{"sleep 30"}, time.Minute); errc <- err }()
		waitFor(t, "the command to run", func() bool { return f.runningCommands() == 1 })
		cancel()
		err = <-errc
		if !errors.Is(err, context.Canceled) || errors.As(err, &ce) {
			t.Errorf("cancelled context: error = %v, want one wrapping context.Canceled", err)
		}
		waitFor(t, "the cancelled command to be killed", func() bool { return f.runningCommands() == 0 })
	})
}

func TestMaxConnections(t *testing.T) {
	f := newFakeAPIServer(t)
	dir := f.addPod(testNS, "g", nodeLabel("n"), "k")
	f.addPod(testNS, "g2", nodeLabel("n2"), "k2")
	// Each blocked command announces itself and waits for the release file.
	blocked := func(i int) string {
		return fmt.Sprintf("touch started-%d; while [ ! -e release ]; do sleep 0.02; done", i)
	}

	t.Run("limit reached", func(t *testing.T) {
		tr := newTransport(t, f, kubeexec.Config{MaxConnections: 1})
		done := make(chan error, 1)
		go func() {
			_, err := tr.Run(context.Background(), "n", []string{blocked(0)}, time.Minute)
			done <- err
		}()
		waitFor(t, "the first command to start", func() bool { return exists(filepath.Join(dir, "started-0")) })

		res, err := tr.Run(context.Background(), "n2", []string{"echo second"}, time.Minute)
		var mce *kubeexec.MaxConnectionsError
		if !errors.As(err, &mce) || err.Error() != "Too many kube exec connections active (1)" {
			t.Errorf("error = %v, want %q", err, "Too many kube exec connections active (1)")
		}
		if len(res) != 0 {
			t.Errorf("results = %v, want none: the command was not started", res)
		}

		if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("first command: %v", err)
		}
		// The slot is free again.
		if _, err := tr.Run(context.Background(), "n2", []string{"true"}, time.Minute); err != nil {
			t.Errorf("after the first command ended: %v", err)
		}
		os.Remove(filepath.Join(dir, "release"))
	})

	t.Run("negative is unlimited", func(t *testing.T) {
		tr := newTransport(t, f, kubeexec.Config{MaxConnections: -1})
		const n = 4
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 1; i <= n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := tr.Run(context.Background(), "n", []string{blocked(i)}, time.Minute)
				errs <- err
			}()
		}
		waitFor(t, "all commands to run at once", func() bool {
			for i := 1; i <= n; i++ {
				if !exists(filepath.Join(dir, fmt.Sprintf("started-%d", i))) {
					return false
				}
			}
			return true
		})
		if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent command: %v", err)
			}
		}
	})
}

func TestKubeconfig(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod("from-kubeconfig", "g", nodeLabel("n"), "k")
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: basalt
  user:
    token: %s
contexts:
- name: basalt@fake
  context:
    cluster: fake
    user: basalt
    namespace: from-kubeconfig
current-context: basalt@fake
`, f.srv.URL, base64.StdEncoding.EncodeToString(f.caPEM()), f.token)
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}

	// The namespace comes from the kubeconfig's current context.
	tr, err := kubeexec.New(kubeexec.Config{Kubeconfig: path}, nil)
	if err != nil {
		t.Fatalf("kubeexec.New: %v", err)
	}
	if tr.Namespace() != "from-kubeconfig" {
		t.Errorf("namespace = %q, want the context's from-kubeconfig", tr.Namespace())
	}
	res, err := tr.Run(context.Background(), "n", []string{"echo via kubeconfig"}, time.Minute)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res[0].Stdout != "via kubeconfig\n" {
		t.Errorf("stdout = %q, want %q", res[0].Stdout, "via kubeconfig\n")
	}

	// The configured namespace wins over the context's.
	f.addPod("configured", "g", nodeLabel("n"), "k")
	tr = newTransport(t, f, kubeexec.Config{Namespace: "configured", Kubeconfig: path})
	if _, err := tr.Run(context.Background(), "n", []string{"true"}, time.Minute); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rec := lastExec(t, f); rec.Namespace != "configured" {
		t.Errorf("exec went to namespace %s, want configured", rec.Namespace)
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := kubeexec.New(kubeexec.Config{Namespace: "x", Kubeconfig: filepath.Join(t.TempDir(), "absent")}, nil)
		if err == nil || !strings.Contains(err.Error(), "absent") {
			t.Errorf("error = %v, want one naming the kubeconfig file", err)
		}
	})

	t.Run("not in a cluster", func(t *testing.T) {
		t.Setenv("KUBERNETES_SERVICE_HOST", "")
		t.Setenv("KUBERNETES_SERVICE_PORT", "")
		_, err := kubeexec.New(kubeexec.Config{Namespace: "x"}, nil)
		if err == nil || !strings.Contains(err.Error(), "kubeexec.kubeconfig") {
			t.Errorf("error = %v, want one pointing at kubeexec.kubeconfig", err)
		}
	})
}

func TestWrongTokenIsAnError(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod(testNS, "g", nodeLabel("n"), "k")
	rc := f.restConfig()
	rc.BearerToken = "wrong"
	tr := newTransport(t, f, kubeexec.Config{RESTConfig: rc})
	_, err := tr.Run(context.Background(), "n", []string{"true"}, time.Minute)
	if err == nil || !strings.HasPrefix(err.Error(), "Failed to get list of pods: ") {
		t.Errorf("error = %v, want a pod list failure", err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestExecRefusedIsNotACommandError(t *testing.T) {
	f := newFakeAPIServer(t)
	f.addPod(testNS, "glusterfs-gone", nodeLabel("n"), "k")
	f.mu.Lock()
	f.execStatus = &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     http.StatusInternalServerError,
		Reason:   metav1.StatusReasonInternalError,
		Message:  "error dialing backend: dial tcp 10.0.0.7:10250: connect: connection refused",
	}
	f.mu.Unlock()
	tr := newTransport(t, f, kubeexec.Config{})

	res, err := tr.Run(context.Background(), "n", []string{"true", "true"}, time.Minute)
	var ce *executors.CommandError
	if err == nil || errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want a transport error, not a CommandError", err, err)
	}
	if !strings.HasPrefix(err.Error(), "Unable to run command on pod glusterfs-gone: ") {
		t.Errorf("error = %q, want it to start with %q", err, "Unable to run command on pod glusterfs-gone: ")
	}
	t.Logf("error text: %v", err)
	if len(res) != 1 || res[0].Command != "true" || res[0].ExitStatus != -1 {
		t.Errorf("results = %#v, want one result for the attempted command with exit status -1 (unknown)", res)
	}
}
