package kubeexec

import (
	"strings"

	"k8s.io/client-go/rest"
)

// DefaultNamespaceFile is where a pod finds the namespace of its service
// account; it names the namespace of the GlusterFS pods when the
// configuration does not.
const DefaultNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// DefaultMaxConnections bounds the number of concurrent pod execs when
// Config.MaxConnections is 0, as in Heketi.
const DefaultMaxConnections = 64

// Config configures the Kubernetes transport. It mirrors the `kubeexec`
// object of heketi.json (facts 6.1) plus two Basalt additions: Kubeconfig,
// for running outside a cluster, and RESTConfig, for callers (tests) that
// already hold a client configuration.
type Config struct {
	// Namespace holds the GlusterFS pods. Empty means the namespace of the
	// current context of Kubeconfig, if it names one and NamespaceFile is not
	// set, and otherwise the content of NamespaceFile.
	// JSON key `namespace`, env HEKETI_KUBE_NAMESPACE.
	Namespace string `json:"namespace"`
	// NamespaceFile is read when Namespace is empty; empty means
	// DefaultNamespaceFile.
	NamespaceFile string `json:"namespace_file"`
	// Kubeconfig is the path of a kubeconfig file whose current context is
	// used. Empty means the in-cluster configuration (service account token
	// and KUBERNETES_SERVICE_HOST/PORT), which is all Heketi supports.
	Kubeconfig string `json:"kubeconfig"`
	// RESTConfig, when set, is used as is and Kubeconfig is ignored.
	RESTConfig *rest.Config `json:"-"`
	// GlusterDaemonSet selects the pod that carries the label key
	// glusterfs-node and runs on the node named by the host string.
	// JSON key `gluster_daemonset`, env HEKETI_KUBE_GLUSTER_DAEMONSET.
	GlusterDaemonSet bool `json:"gluster_daemonset"`
	// UsePodNames makes the host string the pod name.
	// JSON key `use_pod_names`, env HEKETI_KUBE_USE_POD_NAMES.
	UsePodNames bool `json:"use_pod_names"`
	// MaxConnections bounds the number of pod execs in flight at once across
	// all hosts: 0 means DefaultMaxConnections, a negative value no bound.
	// JSON key `max_connections`.
	MaxConnections int `json:"max_connections"`
	// DisableTimeoutPrefix runs commands as `bash -c <cmd>` instead of
	// `timeout <N>m bash -c <cmd>`, for images without timeout(1).
	// JSON key `disable_timeout_prefix`.
	DisableTimeoutPrefix bool `json:"disable_timeout_prefix"`
}

// ApplyEnv overlays the HEKETI_KUBE_* environment variables Heketi honours
// (facts 6.2) on c, reading them through getenv (os.Getenv in production):
// HEKETI_KUBE_NAMESPACE replaces Namespace when non-empty;
// HEKETI_KUBE_GLUSTER_DAEMONSET and HEKETI_KUBE_USE_POD_NAMES set their flag
// when the value starts with y or 1 and clear it when it starts with n or 0
// (case-insensitive); other values leave the flag as it is.
func (c *Config) ApplyEnv(getenv func(string) string) {
	if v := getenv("HEKETI_KUBE_NAMESPACE"); v != "" {
		c.Namespace = v
	}
	envFlag(getenv("HEKETI_KUBE_GLUSTER_DAEMONSET"), &c.GlusterDaemonSet)
	envFlag(getenv("HEKETI_KUBE_USE_POD_NAMES"), &c.UsePodNames)
}

func envFlag(v string, flag *bool) {
	if v == "" {
		return
	}
	switch strings.ToLower(v)[0] {
	case 'y', '1':
		*flag = true
	case 'n', '0':
		*flag = false
	}
}
