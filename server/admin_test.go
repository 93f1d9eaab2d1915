package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/server/middleware"
)

const maintenance = "Service disabled for maintenance\n"

func TestAdminRoutes(t *testing.T) {
	st := newStack(t)
	s := st.open
	const remote = "192.0.2.10:5000" // not loopback

	if got := call(s, "GET", "/admin", "", "", remote); got.status != 200 || got.body != "{\"state\":\"normal\"}\n" ||
		got.header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Fatalf("expected 200 {\"state\":\"normal\"} as JSON, got %d %q %q", got.status, got.body, got.header.Get("Content-Type"))
	}

	errors := []struct{ body, want string }{
		{`{"state":"bogus"}`, "validation failed: state: must be a valid value.\n"},
		{`{"state":"Normal"}`, "validation failed: state: must be a valid value.\n"},
		{`{}`, "validation failed: state: cannot be blank.\n"},
		{``, "request unable to be parsed: unexpected end of JSON input\n"},
		{`{"state":`, "request unable to be parsed: unexpected end of JSON input\n"},
		{`{"state":1}`, "request unable to be parsed: json: cannot unmarshal number into Go struct field AdminStatus.state of type api.AdminState\n"},
	}
	for _, e := range errors {
		if got := call(s, "POST", "/admin", "", e.body, remote); got.status != 400 || got.body != e.want {
			t.Errorf("POST /admin %s: expected 400 %q, got %d %q", e.body, e.want, got.status, got.body)
		}
	}

	// read-only: writes refused (POST /admin included), reads allowed.
	if got := call(s, "POST", "/admin", "", `{"STATE":"read-only"}`, remote); got.status != http.StatusNoContent || got.body != "" {
		t.Fatalf("expected 204 with no body, got %d %q", got.status, got.body)
	}
	if st.openAdmin.Mode() != middleware.AdminReadOnly {
		t.Fatalf("expected read-only mode, got %v", st.openAdmin.Mode())
	}
	for _, req := range [][2]string{{"POST", "/clusters"}, {"DELETE", "/clusters/" + testID}, {"POST", "/admin"}, {"POST", "/internal/logging"}} {
		if got := call(s, req[0], req[1], "", `{"state":"normal"}`, "127.0.0.1:1"); got.status != 503 || got.body != maintenance {
			t.Errorf("read-only %s %s: expected 503 %q, got %d %q", req[0], req[1], maintenance, got.status, got.body)
		}
	}
	if got := call(s, "GET", "/admin", "", "", remote); got.status != 200 || got.body != "{\"state\":\"read-only\"}\n" {
		t.Errorf("expected GET /admin to work in read-only mode, got %d %q", got.status, got.body)
	}
	if got := call(s, "GET", "/clusters", "", "", remote); got.status != 200 {
		t.Errorf("expected GET /clusters to work in read-only mode, got %d %q", got.status, got.body)
	}
	if got := call(s, "HEAD", "/clusters", "", "", remote); got.status == 503 {
		t.Errorf("expected HEAD to pass the read-only gate, got 503")
	}

	// SIGUSR2's Reset is the way out.
	st.openAdmin.Reset()
	if got := call(s, "GET", "/admin", "", "", remote); got.body != "{\"state\":\"normal\"}\n" {
		t.Errorf("expected normal after Reset, got %q", got.body)
	}

	// local-client: writes only from loopback.
	if got := call(s, "POST", "/admin", "", `{"state":"local-client"}`, remote); got.status != 204 {
		t.Fatalf("expected 204, got %d %q", got.status, got.body)
	}
	if got := call(s, "POST", "/clusters", "", `{}`, remote); got.status != 503 || got.body != maintenance {
		t.Errorf("local-client from %s: expected 503, got %d %q", remote, got.status, got.body)
	}
	if got := call(s, "POST", "/admin", "", `{"state":"normal"}`, "[2001:db8::1]:5000"); got.status != 503 {
		t.Errorf("local-client from a remote IPv6 peer: expected 503, got %d %q", got.status, got.body)
	}
	if got := call(s, "GET", "/clusters", "", "", remote); got.status != 200 {
		t.Errorf("local-client: expected remote GET to pass, got %d %q", got.status, got.body)
	}
	if got := call(s, "POST", "/admin", "", `{"state":"read-only"}`, "[::1]:5000"); got.status != 204 {
		t.Errorf("local-client from ::1: expected 204, got %d %q", got.status, got.body)
	}
	if got := call(s, "POST", "/admin", "", `{"state":"normal"}`, "127.0.0.1:5000"); got.status != 503 {
		t.Errorf("read-only: expected POST /admin from loopback to be refused too, got %d %q", got.status, got.body)
	}
	st.openAdmin.Reset()
	if got := call(s, "POST", "/admin", "", `{"state":"normal"}`, remote); got.status != 204 {
		t.Errorf("normal after Reset: expected 204, got %d %q", got.status, got.body)
	}
}

// TestAdminGateOverRealHTTP checks that a real TCP peer on the loopback
// address counts as a local client.
func TestAdminGateOverRealHTTP(t *testing.T) {
	st := newStack(t)
	st.openAdmin.Set(middleware.AdminLocalClient)
	srv := httptest.NewServer(st.open.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/admin", "application/json", strings.NewReader(`{"state":"normal"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || st.openAdmin.Mode() != middleware.AdminNormal {
		t.Errorf("expected a loopback client to set normal mode (204), got %d, mode %v", resp.StatusCode, st.openAdmin.Mode())
	}
}
