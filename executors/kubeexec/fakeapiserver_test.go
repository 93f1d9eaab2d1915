package kubeexec_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

// fakeAPIServer is a protocol peer for client-go: an HTTPS server that speaks
// the part of the Kubernetes API the transport uses, so client-go runs
// unmodified against it. It serves
//
//	GET /api/v1/namespaces/{ns}/pods?labelSelector=...   (PodList)
//	GET /api/v1/namespaces/{ns}/pods/{name}               (Pod)
//	GET|POST /api/v1/namespaces/{ns}/pods/{name}/exec     (exec subresource)
//
// Exec requests are upgraded to a websocket with subprotocol
// v5.channel.k8s.io or v4.channel.k8s.io, or to SPDY/3.1 with stream protocol
// v4.channel.k8s.io, like the API server. The command (argv from the `command`
// query parameters) runs on this machine with os/exec in the pod's scratch
// directory; its output goes back on the stdout and stderr channels and the
// outcome as a metav1.Status on the error channel. Every request must carry
// the bearer token.
//
// One liberty: when the client drops an exec stream, the fake kills the
// command's process group at once. A real container runtime may leave the
// process running until the `timeout <N>m` prefix ends it, so on a real
// cluster an abandoned command can outlive the transport's timeout by up to
// a minute (or indefinitely with disable_timeout_prefix).
type fakeAPIServer struct {
	t     *testing.T
	srv   *httptest.Server
	token string

	mu          sync.Mutex
	pods        map[string]map[string]*fakePod // namespace -> name -> pod
	execs       []execRecord
	noWebsocket bool // refuse websocket upgrades, as servers before v5 do
	noSPDY      bool // refuse SPDY upgrades
	// execStatus, when set, answers every exec request with this status
	// instead of upgrading, as the API server does when the container is
	// gone or the kubelet cannot be reached.
	execStatus *metav1.Status
	// readAccepts are the Accept headers of pod gets and lists, in order.
	readAccepts []string
	running     map[int]bool
	// Exec handlers outlive their HTTP request once the connection is
	// hijacked: stop cancels them and wg waits for them at cleanup.
	stop    context.Context
	stopAll context.CancelFunc
	wg      sync.WaitGroup
	// problems are protocol errors seen by handlers, reported at cleanup.
	problems []string
}

// fakePod is a pod and the scratch directory its commands run in.
type fakePod struct {
	pod corev1.Pod
	dir string
}

// execRecord is what the server saw of one exec request.
type execRecord struct {
	Namespace, Pod, Container string
	Command                   []string
	Method                    string
	Transport                 string // "websocket" or "spdy"
	Protocol                  string // negotiated stream protocol
	ExitCode                  int
}

func newFakeAPIServer(t *testing.T) *fakeAPIServer {
	t.Helper()
	stop, stopAll := context.WithCancel(context.Background())
	f := &fakeAPIServer{
		t:       t,
		stop:    stop,
		stopAll: stopAll,
		token:   "fake-token-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		pods:    map[string]map[string]*fakePod{},
		running: map[int]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods", f.listPods)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}", f.getPod)
	mux.HandleFunc("/api/v1/namespaces/{ns}/pods/{name}/exec", f.exec)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
	})
	f.srv = httptest.NewUnstartedServer(f.authenticate(mux))
	f.srv.StartTLS()
	t.Cleanup(f.close)
	return f
}

func (f *fakeAPIServer) close() {
	f.stopAll()
	f.srv.CloseClientConnections()
	f.srv.Close()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		f.t.Errorf("fake API server: exec handlers still running 10 s after the test")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.problems {
		f.t.Errorf("fake API server: %s", p)
	}
}

// problem records a protocol error for cleanup to report; handlers may run
// after their test has returned, when t may no longer be used.
func (f *fakeAPIServer) problem(format string, args ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// restConfig is a client configuration for the server: its address, its CA
// and the bearer token.
func (f *fakeAPIServer) restConfig() *rest.Config {
	return &rest.Config{
		Host:            f.srv.URL,
		BearerToken:     f.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: f.caPEM()},
	}
}

func (f *fakeAPIServer) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
}

// addPod creates a running pod with the given containers and returns the
// scratch directory its commands run in.
func (f *fakeAPIServer) addPod(ns, name string, podLabels map[string]string, nodeName string, containers ...string) string {
	f.t.Helper()
	if len(containers) == 0 {
		containers = []string{"glusterfs"}
	}
	dir := filepath.Join(f.t.TempDir(), ns+"_"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	p := &fakePod{dir: dir, pod: corev1.Pod{
		TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: podLabels, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: nodeName},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}}
	for _, c := range containers {
		p.pod.Spec.Containers = append(p.pod.Spec.Containers, corev1.Container{Name: c, Image: "gluster/gluster-centos"})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pods[ns] == nil {
		f.pods[ns] = map[string]*fakePod{}
	}
	f.pods[ns][name] = p
	return dir
}

// execLog returns the exec requests served so far.
func (f *fakeAPIServer) execLog() []execRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]execRecord(nil), f.execs...)
}

// runningCommands returns how many commands are running now.
func (f *fakeAPIServer) runningCommands() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.running)
}

func (f *fakeAPIServer) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			writeStatus(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	writeJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Code:     int32(code),
	})
}

func (f *fakeAPIServer) listPods(w http.ResponseWriter, r *http.Request) {
	sel, err := labels.Parse(r.URL.Query().Get("labelSelector"))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "unable to parse requirement: "+err.Error())
		return
	}
	list := corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, Items: []corev1.Pod{}}
	f.mu.Lock()
	f.readAccepts = append(f.readAccepts, r.Header.Get("Accept"))
	for _, p := range f.pods[r.PathValue("ns")] {
		if sel.Matches(labels.Set(p.pod.Labels)) {
			list.Items = append(list.Items, p.pod)
		}
	}
	f.mu.Unlock()
	// Deterministic order, as the API server lists by name.
	for i := 1; i < len(list.Items); i++ {
		for j := i; j > 0 && list.Items[j].Name < list.Items[j-1].Name; j-- {
			list.Items[j], list.Items[j-1] = list.Items[j-1], list.Items[j]
		}
	}
	writeJSON(w, http.StatusOK, &list)
}

func (f *fakeAPIServer) lookup(ns, name string) (*fakePod, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pods[ns][name]
	return p, ok
}

func (f *fakeAPIServer) getPod(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.readAccepts = append(f.readAccepts, r.Header.Get("Accept"))
	f.mu.Unlock()
	p, ok := f.lookup(r.PathValue("ns"), r.PathValue("name"))
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("pods %q not found", r.PathValue("name")))
		return
	}
	writeJSON(w, http.StatusOK, &p.pod)
}

// exec serves the exec subresource.
func (f *fakeAPIServer) exec(w http.ResponseWriter, r *http.Request) {
	f.wg.Add(1)
	defer f.wg.Done()
	ns, name := r.PathValue("ns"), r.PathValue("name")
	p, ok := f.lookup(ns, name)
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("pods %q not found", name))
		return
	}
	q := r.URL.Query()
	rec := execRecord{Namespace: ns, Pod: name, Container: q.Get("container"), Command: q["command"], Method: r.Method}
	if !hasContainer(&p.pod, rec.Container) {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest,
			fmt.Sprintf("container %s is not valid for pod %s", rec.Container, name))
		return
	}
	if len(rec.Command) == 0 {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "you must specify at least 1 command")
		return
	}
	wantOut, wantErr := q.Get("stdout") == "true", q.Get("stderr") == "true"
	f.mu.Lock()
	noWS, noSPDY, refusal := f.noWebsocket, f.noSPDY, f.execStatus
	f.mu.Unlock()
	if refusal != nil {
		writeJSON(w, int(refusal.Code), refusal)
		return
	}

	switch {
	case websocket.IsWebSocketUpgrade(r) && !noWS:
		rec.Transport = "websocket"
		f.serveWebsocket(w, r, p, rec, wantOut, wantErr)
	case strings.EqualFold(r.Header.Get(httpstream.HeaderUpgrade), spdy.HeaderSpdy31) && !noSPDY:
		rec.Transport = "spdy"
		f.serveSPDY(w, r, p, rec, wantOut, wantErr)
	default:
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "Upgrade request required")
	}
}

func hasContainer(p *corev1.Pod, name string) bool {
	for _, c := range p.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	return false
}

func (f *fakeAPIServer) record(rec execRecord) {
	f.mu.Lock()
	f.execs = append(f.execs, rec)
	f.mu.Unlock()
}

// channelWriter writes each Write as one binary websocket message prefixed by
// the channel byte.
type channelWriter struct {
	mu   *sync.Mutex
	conn *websocket.Conn
	id   byte
}

func (c channelWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	msg := make([]byte, 0, len(p)+1)
	msg = append(append(msg, c.id), p...)
	if err := c.conn.WriteMessage(websocket.BinaryMessage, msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Channel numbers of the channel.k8s.io protocols.
const (
	chanStdout byte = 1
	chanStderr byte = 2
	chanError  byte = 3
)

func (f *fakeAPIServer) serveWebsocket(w http.ResponseWriter, r *http.Request, p *fakePod, rec execRecord, wantOut, wantErr bool) {
	up := websocket.Upgrader{
		Subprotocols: []string{"v5.channel.k8s.io", "v4.channel.k8s.io"},
		CheckOrigin:  func(*http.Request) bool { return true },
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with an HTTP error
	}
	defer conn.Close()
	rec.Protocol = conn.Subprotocol()
	if rec.Protocol == "" {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseProtocolError, "no supported subprotocol"), time.Now().Add(time.Second))
		return
	}

	// The command dies with the connection; reading also answers the
	// client's heartbeat pings.
	ctx, cancel := context.WithCancel(f.stop)
	defer cancel()
	clientGone := make(chan struct{})
	go func() {
		defer close(clientGone)
		for {
			if _, _, err := conn.NextReader(); err != nil {
				cancel()
				return
			}
		}
	}()

	var mu sync.Mutex
	var stdout, stderr io.Writer = io.Discard, io.Discard
	if wantOut {
		stdout = channelWriter{&mu, conn, chanStdout}
	}
	if wantErr {
		stderr = channelWriter{&mu, conn, chanStderr}
	}
	rec.ExitCode = f.run(ctx, p.dir, rec.Command, stdout, stderr)
	f.record(rec)
	if ctx.Err() != nil {
		return
	}
	status, _ := json.Marshal(exitStatus(rec.ExitCode))
	_, _ = channelWriter{&mu, conn, chanError}.Write(status)
	mu.Lock()
	_ = conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	mu.Unlock()
	select {
	case <-clientGone:
	case <-time.After(5 * time.Second):
	}
}

func (f *fakeAPIServer) serveSPDY(w http.ResponseWriter, r *http.Request, p *fakePod, rec execRecord, wantOut, wantErr bool) {
	proto, err := httpstream.Handshake(r, w, []string{"v4.channel.k8s.io"})
	if err != nil {
		return // Handshake has answered with an HTTP error
	}
	rec.Protocol = proto
	streams := make(chan httpstream.Stream, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
		streams <- s
		return nil
	})
	if conn == nil {
		return // UpgradeResponse has answered with an HTTP error
	}
	defer conn.Close()

	want := 1
	if wantOut {
		want++
	}
	if wantErr {
		want++
	}
	var errStream httpstream.Stream
	var stdout, stderr io.Writer = io.Discard, io.Discard
	var toClose []httpstream.Stream
	for got := 0; got < want; got++ {
		select {
		case s := <-streams:
			switch s.Headers().Get(corev1.StreamType) {
			case corev1.StreamTypeError:
				errStream = s
			case corev1.StreamTypeStdout:
				stdout = s
				toClose = append(toClose, s)
			case corev1.StreamTypeStderr:
				stderr = s
				toClose = append(toClose, s)
			}
		case <-time.After(10 * time.Second):
			f.problem("SPDY client created %d of %d streams", got, want)
			return
		case <-conn.CloseChan():
			return
		}
	}
	if errStream == nil {
		f.problem("SPDY client created no error stream")
		return
	}

	ctx, cancel := context.WithCancel(f.stop)
	defer cancel()
	go func() {
		select {
		case <-conn.CloseChan():
			cancel()
		case <-ctx.Done():
		}
	}()
	rec.ExitCode = f.run(ctx, p.dir, rec.Command, stdout, stderr)
	f.record(rec)
	if ctx.Err() != nil {
		return
	}
	for _, s := range toClose {
		_ = s.Close()
	}
	status, _ := json.Marshal(exitStatus(rec.ExitCode))
	_, _ = errStream.Write(status)
	_ = errStream.Close()
	select {
	case <-conn.CloseChan():
	case <-time.After(5 * time.Second):
	}
}

// run runs argv in dir and returns its exit code as a container runtime
// reports it (128+signal for a killed process). Cancelling ctx kills the
// whole process group.
func (f *fakeAPIServer) run(ctx context.Context, dir string, argv []string, stdout, stderr io.Writer) int {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		_, _ = fmt.Fprintf(stderr, "exec: %v\n", err)
		return 127
	}
	pid := cmd.Process.Pid
	f.mu.Lock()
	f.running[pid] = true
	f.mu.Unlock()
	err := cmd.Wait()
	f.mu.Lock()
	delete(f.running, pid)
	f.mu.Unlock()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	default:
		return 126
	}
}

// exitStatus is the status the API server sends on the error channel.
func exitStatus(code int) *metav1.Status {
	st := &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}}
	if code == 0 {
		st.Status = metav1.StatusSuccess
		return st
	}
	st.Status = metav1.StatusFailure
	st.Reason = "NonZeroExitCode"
	st.Message = fmt.Sprintf("command terminated with non-zero exit code: exit status %d", code)
	st.Details = &metav1.StatusDetails{Causes: []metav1.StatusCause{{
		Type:    "ExitCode",
		Message: strconv.Itoa(code),
	}}}
	return st
}
