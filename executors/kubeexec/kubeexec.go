// Package kubeexec is the Kubernetes transport: it runs node commands in the
// GlusterFS pod of each storage node through the pods/exec subresource of the
// Kubernetes API, as Heketi's `kubernetes` executor does (facts 7.1).
//
// The host string a caller passes (a node's manage hostname) selects the pod:
// by default the single pod in the namespace labelled glusterfs-node=<host>;
// with Config.GlusterDaemonSet the pod labelled glusterfs-node (any value)
// whose spec.nodeName is host; with Config.UsePodNames the pod named host.
// Commands run in the pod's first container as
// `timeout <N>m bash -c <cmd>` (N is the timeout rounded up to whole
// minutes) or, with Config.DisableTimeoutPrefix, as `bash -c <cmd>`.
//
// The exec stream uses client-go's remotecommand package the way kubectl
// does: the websocket protocol (v5.channel.k8s.io) first, falling back to
// SPDY when the API server refuses the websocket upgrade.
package kubeexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/basalt-storage/basalt/executors"
)

// NodeLabel is the pod label that ties a GlusterFS pod to its storage node.
const NodeLabel = "glusterfs-node"

// timedOutText is the error text Heketi gives for a command that timed out.
const timedOutText = "timeout"

// Transport runs commands in GlusterFS pods. It is safe for concurrent use.
type Transport struct {
	log        *logrus.Entry
	restConfig *rest.Config
	restClient rest.Interface
	pods       podClient
	namespace  string
	daemonSet  bool
	podNames   bool
	noPrefix   bool
	maxConns   int // negative: unlimited

	mu     sync.Mutex
	active int
}

var _ executors.Transport = (*Transport)(nil)

// New returns a Transport for cfg. It resolves the namespace and the client
// configuration once; it does not contact the API server. log may be nil.
func New(cfg Config, log *logrus.Entry) (*Transport, error) {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = logrus.NewEntry(l)
	}
	rc, err := restConfig(cfg)
	if err != nil {
		return nil, err
	}
	ns, err := resolveNamespace(cfg)
	if err != nil {
		return nil, err
	}
	// client-go's default of 5 requests per second would make pod look-ups
	// the bottleneck of a busy server; keep an explicit setting.
	if rc.QPS == 0 && rc.RateLimiter == nil {
		rc.QPS, rc.Burst = 50, 100
	}
	core, err := newCoreClient(rc)
	if err != nil {
		return nil, fmt.Errorf("Unable to create a client set: %w", err)
	}
	maxConns := cfg.MaxConnections
	if maxConns == 0 {
		maxConns = DefaultMaxConnections
	}
	return &Transport{
		log:        log.WithField("transport", "kubeexec"),
		restConfig: rc,
		restClient: core,
		pods:       podClient{rest: core, namespace: ns},
		namespace:  ns,
		daemonSet:  cfg.GlusterDaemonSet,
		podNames:   cfg.UsePodNames,
		noPrefix:   cfg.DisableTimeoutPrefix,
		maxConns:   maxConns,
	}, nil
}

// Namespace returns the namespace the transport looks for pods in.
func (t *Transport) Namespace() string { return t.namespace }

func resolveNamespace(cfg Config) (string, error) {
	if cfg.Namespace != "" {
		return cfg.Namespace, nil
	}
	if cfg.NamespaceFile == "" && cfg.RESTConfig == nil && cfg.Kubeconfig != "" {
		// Outside a cluster there is no service-account file; the
		// kubeconfig's current context may name the namespace, as for kubectl.
		if raw, err := clientcmd.LoadFromFile(cfg.Kubeconfig); err == nil {
			if kc, ok := raw.Contexts[raw.CurrentContext]; ok && kc.Namespace != "" {
				return kc.Namespace, nil
			}
		}
	}
	file := cfg.NamespaceFile
	if file == "" {
		file = DefaultNamespaceFile
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("Namespace must be provided in configuration: %w", err)
	}
	ns := strings.TrimSpace(string(b))
	if ns == "" {
		return "", fmt.Errorf("Namespace must be provided in configuration: %s is empty", file)
	}
	return ns, nil
}

func restConfig(cfg Config) (*rest.Config, error) {
	switch {
	case cfg.RESTConfig != nil:
		return rest.CopyConfig(cfg.RESTConfig), nil
	case cfg.Kubeconfig != "":
		rc, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("Unable to create configuration for Kubernetes from kubeconfig %s: %w", cfg.Kubeconfig, err)
		}
		return rc, nil
	default:
		rc, err := rest.InClusterConfig()
		if errors.Is(err, rest.ErrNotInCluster) {
			return nil, fmt.Errorf("Unable to create configuration for Kubernetes: %w "+
				"(to run outside a cluster set kubeexec.kubeconfig to a kubeconfig file)", err)
		}
		if err != nil {
			return nil, fmt.Errorf("Unable to create configuration for Kubernetes: %w", err)
		}
		return rc, nil
	}
}

// MaxConnectionsError reports a command refused because Config.MaxConnections
// pod execs were already in flight. Like Heketi, the transport fails at once
// rather than queueing; Error returns Heketi's text.
type MaxConnectionsError struct {
	Active int // execs in flight when the command was refused
}

func (e *MaxConnectionsError) Error() string {
	return fmt.Sprintf("Too many kube exec connections active (%d)", e.Active)
}

// Run runs cmds in order in the pod selected by host and stops at the first
// command that fails. See executors.Transport for the contract.
//
// timeout bounds each command on both ends: the pod runs it under
// `timeout <N>m` (unless the prefix is disabled) and the client abandons the
// exec stream when timeout, or the deadline of ctx, has passed. Either way
// the command's error is a *executors.CommandError with TimedOut set whose
// text is Heketi's `timeout`; the command's own output is in its Result.
// When ctx is cancelled the error wraps ctx.Err(). A pod that cannot be
// found gives Heketi's texts (facts 7.1); more than MaxConnections execs in
// flight give a *MaxConnectionsError.
func (t *Transport) Run(ctx context.Context, host string, cmds []string, timeout time.Duration) ([]executors.Result, error) {
	tg, err := t.target(ctx, host)
	if err != nil {
		return nil, err
	}
	results := make([]executors.Result, 0, len(cmds))
	for _, cmd := range cmds {
		if err := ctx.Err(); err != nil {
			return results, stopped(host, cmd, "", err)
		}
		res, started, err := t.exec(ctx, host, tg, cmd, timeout)
		if started {
			results = append(results, res)
		}
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// stopped is the error for a command that a context ended: a timeout for a
// deadline (the transport's own or the caller's), the context's error
// otherwise.
func stopped(host, cmd, stdout string, ctxErr error) error {
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		return &executors.CommandError{
			Host: host, Command: cmd, ExitStatus: -1,
			Stdout: stdout, Stderr: timedOutText, TimedOut: true,
		}
	}
	return fmt.Errorf("command on %s stopped: %w", host, ctxErr)
}

// target names the container commands for one host run in.
type target struct {
	pod, container string
}

func (t *Transport) target(ctx context.Context, host string) (target, error) {
	var pod *corev1.Pod
	switch {
	case t.podNames:
		p, err := t.pods.get(ctx, host)
		if err != nil {
			return target{}, fmt.Errorf("Unable to get pod spec for %v: %w", host, err)
		}
		pod = p
	case t.daemonSet:
		list, err := t.pods.list(ctx, NodeLabel)
		if err != nil {
			return target{}, fmt.Errorf("Failed to get list of pods: %w", err)
		}
		for i := range list.Items {
			if list.Items[i].Spec.NodeName == host {
				pod = &list.Items[i]
				break
			}
		}
		if pod == nil {
			return target{}, fmt.Errorf("Unable to find a GlusterFS pod on host %v with a label key %v", host, NodeLabel)
		}
	default:
		list, err := t.pods.list(ctx, NodeLabel+"="+host)
		if err != nil {
			return target{}, fmt.Errorf("Failed to get list of pods: %w", err)
		}
		switch n := len(list.Items); n {
		case 0:
			return target{}, fmt.Errorf("No pods with the label '%v=%v' were found", NodeLabel, host)
		case 1:
			pod = &list.Items[0]
		default:
			names := make([]string, n)
			for i := range list.Items {
				names[i] = list.Items[i].Name
			}
			return target{}, fmt.Errorf("Found %v pods sharing the same label '%v=%v': %v",
				n, NodeLabel, host, strings.Join(names, ", "))
		}
	}
	if len(pod.Spec.Containers) == 0 {
		return target{}, fmt.Errorf("Unable to find a container in pod %v", pod.Name)
	}
	return target{pod: pod.Name, container: pod.Spec.Containers[0].Name}, nil
}

// argv is the command line the container runs for cmd.
func (t *Transport) argv(cmd string, timeout time.Duration) []string {
	if t.noPrefix || timeout <= 0 {
		return []string{"bash", "-c", cmd}
	}
	minutes := int(math.Ceil(timeout.Minutes()))
	return []string{"timeout", fmt.Sprintf("%dm", minutes), "bash", "-c", cmd}
}

func (t *Transport) acquire() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.maxConns >= 0 && t.active >= t.maxConns {
		return &MaxConnectionsError{Active: t.active}
	}
	t.active++
	return nil
}

func (t *Transport) release() {
	t.mu.Lock()
	t.active--
	t.mu.Unlock()
}

// exec runs one command. started reports whether the command was sent to the
// pod, i.e. whether res describes it.
func (t *Transport) exec(ctx context.Context, host string, tg target, cmd string, timeout time.Duration) (res executors.Result, started bool, err error) {
	if err := t.acquire(); err != nil {
		return res, false, err
	}
	defer t.release()

	argv := t.argv(cmd, timeout)
	req := t.restClient.Post().
		Resource("pods").
		Namespace(t.namespace).
		Name(tg.pod).
		SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: tg.container,
			Command:   argv,
			Stdout:    true,
			Stderr:    true,
		}, coreParamsCodec)
	ex, err := t.executor(req.URL())
	if err != nil {
		return res, false, fmt.Errorf("Unable to setup a session with %v: %w", tg.pod, err)
	}

	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()

	var stdout, stderr syncBuffer
	start := time.Now()
	streamErr := ex.StreamWithContext(runCtx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	res = executors.Result{Command: cmd, Stdout: stdout.String(), Stderr: stderr.String()}
	log := t.log.WithFields(logrus.Fields{
		"host": host, "pod": tg.pod, "container": tg.container,
		"command": cmd, "duration": time.Since(start).Round(time.Millisecond),
	})

	var exitErr utilexec.ExitError
	switch {
	case streamErr == nil:
		log.WithFields(logrus.Fields{"stdout": res.Stdout, "stderr": res.Stderr}).Debug("command succeeded")
		return res, true, nil
	case errors.As(streamErr, &exitErr):
		res.ExitStatus = exitErr.ExitStatus()
		ce := &executors.CommandError{
			Host: host, Command: cmd, ExitStatus: res.ExitStatus,
			Stdout: res.Stdout, Stderr: res.Stderr,
		}
		if res.ExitStatus == 124 && argv[0] == "timeout" {
			ce.TimedOut, ce.Stderr = true, timedOutText
		}
		log.WithFields(logrus.Fields{
			"exit": res.ExitStatus, "stdout": res.Stdout, "stderr": res.Stderr, "timed_out": ce.TimedOut,
		}).Debug("command failed")
		return res, true, ce
	case runCtx.Err() != nil:
		res.ExitStatus = -1
		log.WithFields(logrus.Fields{"stdout": res.Stdout, "stderr": res.Stderr}).Debug("command stopped")
		return res, true, stopped(host, cmd, res.Stdout, runCtx.Err())
	default:
		// The stream failed before an exit status arrived.
		res.ExitStatus = -1
		return res, true, fmt.Errorf("Unable to run command on pod %v: %w", tg.pod, streamErr)
	}
}

// executor streams over websocket (v5.channel.k8s.io) and falls back to SPDY
// when the upgrade is refused, as kubectl exec does.
func (t *Transport) executor(u *url.URL) (remotecommand.Executor, error) {
	spdyExec, err := remotecommand.NewSPDYExecutor(t.restConfig, http.MethodPost, u)
	if err != nil {
		return nil, err
	}
	wsExec, err := remotecommand.NewWebSocketExecutor(t.restConfig, http.MethodGet, u.String())
	if err != nil {
		return nil, err
	}
	return remotecommand.NewFallbackExecutor(wsExec, spdyExec, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a stream
// that may still be copying when an abandoned exec returns.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
