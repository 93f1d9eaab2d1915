package kubeexec

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// The transport needs three calls of the core/v1 API: get a pod, list pods
// by label and post to a pod's exec subresource. client-go's typed clientset
// would serve them, but it registers every API group Kubernetes has (about
// 50) when the program starts, which costs start-up time and about 10 MB of
// resident memory in a server that never uses them. So the transport keeps a
// scheme of core/v1 alone and a REST client configured for it, as the typed
// client would configure its own.
var (
	coreScheme      = runtime.NewScheme()
	coreCodecs      = serializer.NewCodecFactory(coreScheme)
	coreParamsCodec = runtime.NewParameterCodec(coreScheme)
)

func init() {
	// AddToScheme also registers the meta/v1 option and status types the
	// requests and error answers use.
	if err := corev1.AddToScheme(coreScheme); err != nil {
		panic(fmt.Sprintf("kubeexec: registering core/v1: %v", err))
	}
}

// newCoreClient returns a REST client for the core/v1 group from rc, which
// it does not change.
func newCoreClient(rc *rest.Config) (*rest.RESTClient, error) {
	c := rest.CopyConfig(rc)
	c.APIPath = "/api"
	c.GroupVersion = &corev1.SchemeGroupVersion
	c.NegotiatedSerializer = coreCodecs.WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	return rest.RESTClientFor(c)
}

// podClient reads the pods of one namespace. Like the typed client it asks
// for protobuf first (smaller and faster to decode for pod lists), and
// takes JSON from a server that only speaks that.
type podClient struct {
	rest      rest.Interface
	namespace string
}

// read starts a GET of the namespace's pods.
func (p podClient) read() *rest.Request {
	return p.rest.Get().UseProtobufAsDefault().Namespace(p.namespace).Resource("pods")
}

func (p podClient) get(ctx context.Context, name string) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	err := p.read().Name(name).VersionedParams(&metav1.GetOptions{}, coreParamsCodec).Do(ctx).Into(pod)
	return pod, err
}

func (p podClient) list(ctx context.Context, selector string) (*corev1.PodList, error) {
	list := &corev1.PodList{}
	err := p.read().VersionedParams(&metav1.ListOptions{LabelSelector: selector}, coreParamsCodec).Do(ctx).Into(list)
	return list, err
}
