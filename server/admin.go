package server

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/server/middleware"
)

// adminRoutes are GET and POST /admin: read and set the admin mode
// (normal, read-only, local-client). The admin-mode gate applies to POST
// /admin too, so read-only mode is left only by SIGUSR2 or a restart.
func (s *Server) adminRoutes() []Route {
	return []Route{
		s.route("GET", "/admin", "admin state get", s.adminGet),
		s.route("POST", "/admin", "admin state set", s.adminSet),
	}
}

func (s *Server) adminGet(r *http.Request) (*reply, error) {
	return &reply{body: api.AdminStatus{State: api.AdminState(s.admin.Mode().String())}}, nil
}

func (s *Server) adminSet(r *http.Request) (*reply, error) {
	var req api.AdminStatus
	if err := decodeWithDetail(r, &req); err != nil {
		return nil, err
	}
	var msg string
	switch req.State {
	case "":
		msg = "validation failed: state: cannot be blank."
	case api.AdminStateNormal, api.AdminStateReadOnly, api.AdminStateLocal:
	default:
		msg = "validation failed: state: must be a valid value."
	}
	if msg != "" {
		return nil, errs.New(errs.Invalid, msg)
	}
	m, err := middleware.ParseAdminMode(string(req.State))
	if err != nil { // unreachable: the names were checked above
		return nil, errs.Wrap(errs.Invalid, err)
	}
	s.admin.Set(m)
	s.log.WithFields(logrus.Fields{
		"request_id": middleware.RequestID(r.Context()),
		"admin_mode": m.String(),
	}).Info("admin mode changed")
	return &reply{status: http.StatusNoContent}, nil
}

// decodeWithDetail decodes a JSON body for /admin and /internal/logging, whose
// parse failures are 400 "request unable to be parsed: <go error>" in Heketi
// rather than the usual 422 without detail.
func decodeWithDetail(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return errs.Newf(errs.Invalid, "%s: %v", errs.TextUnparsable, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &errs.Error{Kind: errs.Invalid, Msg: errs.TextUnparsable + ": " + err.Error(), Err: err}
	}
	return nil
}
