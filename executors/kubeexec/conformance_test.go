package kubeexec_test

import (
	"testing"

	"github.com/basalt-storage/basalt/executors/executortest"
	"github.com/basalt-storage/basalt/executors/kubeexec"
)

// TestConformance runs the shared transport suite against the fake API
// server, once over websocket and once over the SPDY fallback. Each subtest
// gets its own server and GlusterFS pod; the pod's scratch directory is the
// suite's Dir.
func TestConformance(t *testing.T) {
	for _, proto := range []string{"websocket", "spdy"} {
		t.Run(proto, func(t *testing.T) {
			executortest.Run(t, func(t *testing.T) executortest.Target {
				f := newFakeAPIServer(t)
				f.mu.Lock()
				f.noWebsocket = proto == "spdy"
				f.mu.Unlock()
				dir := f.addPod(testNS, "glusterfs-conformance", nodeLabel("node1.example.com"), "k8s-1")
				return executortest.Target{
					Transport: newTransport(t, f, kubeexec.Config{}),
					Host:      "node1.example.com",
					Dir:       dir,
				}
			})
		})
	}
}
