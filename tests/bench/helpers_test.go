package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestServerP99 checks the histogram arithmetic the scale run reports as the
// server-side p99: the smallest bound under which 99% of the requests counted
// between two scrapes finished.
func TestServerP99(t *testing.T) {
	before := map[float64]float64{0.001: 10, 0.005: 12, 0.01: 12, 0.1: 14}
	tests := []struct {
		name  string
		after map[float64]float64
		want  time.Duration
	}{
		// 100 new requests: 87 under 1 ms, all under 5 ms.
		{"all under 5 ms", map[float64]float64{0.001: 97, 0.005: 112, 0.01: 112, 0.1: 114}, 5 * time.Millisecond},
		// 100 new: 98 under 5 ms and 2 between 10 and 100 ms, so 99% are
		// only under 100 ms.
		{"two slow of a hundred", map[float64]float64{0.001: 97, 0.005: 110, 0.01: 110, 0.1: 114}, 100 * time.Millisecond},
		// 100 new: 99 under 1 ms.
		{"one slow of a hundred", map[float64]float64{0.001: 109, 0.005: 111, 0.01: 111, 0.1: 114}, time.Millisecond},
	}
	for _, tt := range tests {
		if got := serverP99(before, tt.after); got != tt.want {
			t.Errorf("%s: serverP99 = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := serverP99(nil, nil); got != 0 {
		t.Errorf("serverP99 of no histogram = %v, want 0", got)
	}
}

// TestRouteBuckets checks that the scrape parser picks one route's successful
// GET buckets, +Inf included, and nothing else.
func TestRouteBuckets(t *testing.T) {
	const scrape = `# HELP basalt_http_request_duration_seconds x
basalt_http_request_duration_seconds_bucket{code="200",method="GET",route="node info",le="0.001"} 87
basalt_http_request_duration_seconds_bucket{code="200",method="GET",route="node info",le="0.005"} 100
basalt_http_request_duration_seconds_bucket{code="200",method="GET",route="node info",le="+Inf"} 102
basalt_http_request_duration_seconds_bucket{code="200",method="GET",route="cluster info",le="0.001"} 5
basalt_http_request_duration_seconds_bucket{code="404",method="GET",route="node info",le="0.001"} 3
`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(scrape))
	}))
	defer srv.Close()
	got := routeBuckets(t, newClient(srv.URL), "node info")
	if len(got) != 3 || got[0.001] != 87 || got[0.005] != 100 {
		t.Fatalf("routeBuckets = %v, want the three node info buckets of code 200", got)
	}
	for k, v := range got {
		if k > 1 && v != 102 {
			t.Errorf("+Inf bucket = %v, want 102", v)
		}
	}
}
