package middleware

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestParseAdminMode(t *testing.T) {
	for _, m := range []AdminMode{AdminNormal, AdminReadOnly, AdminLocalClient} {
		got, err := ParseAdminMode(m.String())
		if err != nil || got != m {
			t.Errorf("expected ParseAdminMode(%q) = %v, got %v, %v", m.String(), m, got, err)
		}
	}
	if _, err := ParseAdminMode("bogus"); err == nil || err.Error() != "unknown admin state name: bogus" {
		t.Errorf("expected %q, got %v", "unknown admin state name: bogus", err)
	}
	if _, err := NewAdminState("bogus"); err == nil || err.Error() != "unable to set admin state: unknown admin state name: bogus" {
		t.Errorf("expected Heketi's start-up text, got %v", err)
	}
	a, err := NewAdminState("")
	if err != nil || a.Mode() != AdminNormal {
		t.Errorf("expected an empty default_state to mean normal, got %v, %v", a, err)
	}
	a, err = NewAdminState("local-client")
	if err != nil || a.Mode() != AdminLocalClient {
		t.Errorf("expected local-client, got %v, %v", a, err)
	}
}

func TestAdminGate(t *testing.T) {
	const remote, local4, local6 = "192.0.2.7:40000", "127.0.0.1:40000", "[::1]:40000"
	tests := []struct {
		mode    AdminMode
		method  string
		remote  string
		allowed bool
	}{
		{AdminNormal, "POST", remote, true},
		{AdminNormal, "DELETE", remote, true},
		{AdminReadOnly, "GET", remote, true},
		{AdminReadOnly, "HEAD", local4, true},
		{AdminReadOnly, "POST", remote, false},
		{AdminReadOnly, "POST", local4, false},
		{AdminReadOnly, "DELETE", local6, false},
		{AdminLocalClient, "GET", remote, true},
		{AdminLocalClient, "HEAD", remote, true},
		{AdminLocalClient, "POST", remote, false},
		{AdminLocalClient, "DELETE", remote, false},
		{AdminLocalClient, "POST", "127.0.0.2:1", false},
		{AdminLocalClient, "POST", "[::ffff:192.0.2.7]:1", false},
		{AdminLocalClient, "POST", local4, true},
		{AdminLocalClient, "DELETE", local6, true},
	}
	for _, tc := range tests {
		t.Run(tc.mode.String()+" "+tc.method+" "+tc.remote, func(t *testing.T) {
			var st AdminState
			st.Set(tc.mode)
			r := httptest.NewRequest(tc.method, "/clusters", nil)
			r.RemoteAddr = tc.remote
			w := httptest.NewRecorder()
			reached := false
			AdminGate{State: &st}.ServeHTTP(w, r, func(http.ResponseWriter, *http.Request) { reached = true })
			if reached != tc.allowed {
				t.Fatalf("expected allowed=%v, got %v (status %d)", tc.allowed, reached, w.Code)
			}
			if !tc.allowed && (w.Code != 503 || w.Body.String() != "Service disabled for maintenance\n") {
				t.Errorf("expected 503 %q, got %d %q", "Service disabled for maintenance\n", w.Code, w.Body.String())
			}
		})
	}
}

func TestAdminStateReset(t *testing.T) {
	var st AdminState
	st.Set(AdminReadOnly)
	if st.Allows("POST", "127.0.0.1:1") {
		t.Fatal("expected read-only to refuse POST")
	}
	st.Reset()
	if st.Mode() != AdminNormal || !st.Allows("POST", "192.0.2.1:1") {
		t.Errorf("expected Reset to return to normal, got %v", st.Mode())
	}
}

func TestAdminStateConcurrent(t *testing.T) {
	var st AdminState
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 1000 {
				st.Set(AdminMode((i + n) % 3))
				_ = st.Allows("POST", "127.0.0.1:1")
				if m := st.Mode(); m < AdminNormal || m > AdminLocalClient {
					t.Errorf("impossible mode %v", m)
					return
				}
			}
		}()
	}
	wg.Wait()
}
