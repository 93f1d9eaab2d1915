package server

import (
	"net/http"

	"github.com/basalt-storage/basalt/client/api"
)

// blockVolumeRoutes declares the block volume routes and the block
// restriction of block-hosting volumes (facts 2.2).
func (s *Server) blockVolumeRoutes() []Route {
	return []Route{
		s.route("POST", "/blockvolumes", "block volume create", s.blockVolumeCreate),
		s.route("GET", "/blockvolumes", "block volume list", s.blockVolumeList),
		s.route("GET", "/blockvolumes/"+idPattern, "block volume info", s.blockVolumeInfo),
		s.route("DELETE", "/blockvolumes/"+idPattern, "block volume delete", s.blockVolumeDelete),
		s.route("POST", "/blockvolumes/"+idPattern+"/expand", "block volume expand", s.blockVolumeExpand),
		s.route("POST", "/volumes/"+idPattern+"/block-restriction", "volume set block restriction", s.volumeSetBlockRestriction),
	}
}

func (s *Server) blockVolumeCreate(r *http.Request) (*reply, error) {
	var req api.BlockVolumeCreateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.BlockVolumeCreate(r.Context(), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "block volume create"}, nil
}

func (s *Server) blockVolumeList(r *http.Request) (*reply, error) {
	list, err := s.app.BlockVolumeList()
	if err != nil {
		return nil, err
	}
	return &reply{body: list}, nil
}

func (s *Server) blockVolumeInfo(r *http.Request) (*reply, error) {
	info, err := s.app.BlockVolumeInfo(idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{body: info}, nil
}

func (s *Server) blockVolumeDelete(r *http.Request) (*reply, error) {
	job, err := s.app.BlockVolumeDelete(r.Context(), idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "block volume delete"}, nil
}

func (s *Server) blockVolumeExpand(r *http.Request) (*reply, error) {
	var req api.BlockVolumeExpandRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.BlockVolumeExpand(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "block volume expand"}, nil
}

func (s *Server) volumeSetBlockRestriction(r *http.Request) (*reply, error) {
	var req api.VolumeBlockRestrictionRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.VolumeSetBlockRestriction(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "volume set block restriction"}, nil
}
