package server

import (
	"github.com/urfave/negroni"

	"github.com/basalt-storage/basalt/server/middleware"
)

// guards returns the middleware that decides whether a request may reach the
// API, in Heketi's order: JWT, role check, admin-mode gate, throttle. With
// auth disabled (--disable-auth) the JWT and role checks are left out and
// any token sent is ignored.
func (s *Server) guards() []negroni.Handler {
	var g []negroni.Handler
	if s.auth != nil {
		g = append(g, s.auth, middleware.RoleCheck{Log: s.log})
	}
	g = append(g, middleware.AdminGate{State: s.admin, Log: s.log})
	return g
}
