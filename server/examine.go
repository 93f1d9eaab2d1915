package server

import (
	"net/http"
)

// examineRoutes is Heketi's examiner route (facts 2.2, 5.7): a read-only
// comparison of the database with the storage nodes, pretty-printed like
// /db/dump. Its "report" lists the differences found, [] when none.
func (s *Server) examineRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/internal/state/examine/gluster", Name: "state examine gluster", handler: s.indentedJSON(s.examineGluster)},
	}
}

// examineGluster runs the comparison for the duration of the request.
func (s *Server) examineGluster(r *http.Request) (any, error) {
	return s.app.ExamineGluster(r.Context())
}
