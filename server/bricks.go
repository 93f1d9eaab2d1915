package server

import (
	"net/http"

	"github.com/basalt-storage/basalt/client/api"
)

func (s *Server) brickRoutes() []Route {
	return []Route{
		s.route("POST", "/bricks/to-evict/"+idPattern, "brick evict", s.brickEvict),
	}
}

func (s *Server) brickEvict(r *http.Request) (*reply, error) {
	var req api.BrickEvictRequest
	if err := decodeOptional(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.BrickEvict(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "brick evict"}, nil
}
