package server_test

import (
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/client"
	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/server"
	"github.com/basalt-storage/basalt/server/middleware"
)

// TestGoClientWithAuth runs Basalt's Go client (Heketi's token shape: iss,
// iat = now, exp = now + 5 min, qsh) against a server with auth on and the
// real clock.
func TestGoClientWithAuth(t *testing.T) {
	j, err := middleware.NewJWT(middleware.JWTConfig{AdminKey: adminKey, UserKey: userKey, IATLeeway: middleware.DefaultIATLeeway})
	if err != nil {
		t.Fatal(err)
	}
	admin := new(middleware.AdminState)
	// GET/POST /admin and /internal/logging need no application.
	s := server.New(nil, nil, server.Options{Log: logrus.NewEntry(quietLogger()), Auth: j, Admin: admin})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx := t.Context()

	adm, err := client.New(srv.URL, "admin", adminKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := adm.AdminStatusSet(ctx, &api.AdminStatus{State: api.AdminStateLocal}); err != nil {
		t.Fatalf("expected the admin client to set the admin mode, got %v", err)
	}
	if got, err := adm.AdminStatusGet(ctx); err != nil || got.State != api.AdminStateLocal {
		t.Fatalf("expected local-client, got %+v, %v", got, err)
	}
	if got, err := adm.LogLevelGet(ctx); err != nil || got.LogLevel["glusterfs"] == "" {
		t.Fatalf("expected the admin client to read the log level, got %+v, %v", got, err)
	}

	usr, err := client.New(srv.URL, "user", userKey)
	if err != nil {
		t.Fatal(err)
	}
	_, err = usr.AdminStatusGet(ctx)
	if client.StatusCode(err) != 401 || err.Error() != "Administrator access required" {
		t.Errorf("expected 401 Administrator access required for a user token, got %v", err)
	}

	bad, err := client.New(srv.URL, "admin", "wrong")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.AdminStatusGet(ctx)
	if client.StatusCode(err) != 401 || err.Error() != "Invalid JWT token: signature is invalid (client and server secrets may not match)" {
		t.Errorf("expected the wrong-key text, got %v", err)
	}

	stranger, err := client.New(srv.URL, "operator", adminKey)
	if err != nil {
		t.Fatal(err)
	}
	_, err = stranger.AdminStatusGet(ctx)
	if client.StatusCode(err) != 401 || err.Error() != "Invalid JWT token: Unknown user" {
		t.Errorf("expected Unknown user, got %v", err)
	}
}
