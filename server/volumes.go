package server

import (
	"net/http"

	"github.com/basalt-storage/basalt/client/api"
)

func (s *Server) volumeRoutes() []Route {
	return []Route{
		s.route("POST", "/volumes", "volume create", s.volumeCreate),
		s.cachedRoute("/volumes", "volume list", s.volumeList),
		s.route("GET", "/volumes/"+idPattern, "volume info", s.volumeInfo),
		s.route("DELETE", "/volumes/"+idPattern, "volume delete", s.volumeDelete),
		s.route("POST", "/volumes/"+idPattern+"/expand", "volume expand", s.volumeExpand),
		s.route("POST", "/volumes/"+idPattern+"/clone", "volume clone", s.volumeClone),
		// Basalt: where would this volume go? Same body and errors as POST /volumes.
		s.route("POST", "/volumes/placement", "volume placement dry run", s.volumePlacement),
	}
}

func (s *Server) volumeCreate(r *http.Request) (*reply, error) {
	var req api.VolumeCreateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.VolumeCreate(r.Context(), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "volume create"}, nil
}

func (s *Server) volumeList(r *http.Request) (*reply, error) {
	list, err := s.app.VolumeList()
	if err != nil {
		return nil, err
	}
	return &reply{body: list}, nil
}

func (s *Server) volumeInfo(r *http.Request) (*reply, error) {
	info, err := s.app.VolumeInfo(idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{body: info}, nil
}

func (s *Server) volumeDelete(r *http.Request) (*reply, error) {
	job, err := s.app.VolumeDelete(r.Context(), idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "volume delete"}, nil
}

func (s *Server) volumeExpand(r *http.Request) (*reply, error) {
	var req api.VolumeExpandRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.VolumeExpand(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "volume expand"}, nil
}

func (s *Server) volumePlacement(r *http.Request) (*reply, error) {
	var req api.VolumeCreateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	plan, err := s.app.VolumePlacement(&req)
	if err != nil {
		return nil, err
	}
	return &reply{body: plan}, nil
}

func (s *Server) volumeClone(r *http.Request) (*reply, error) {
	var req api.VolumeCloneRequest
	if err := decodeOptional(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.VolumeClone(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "volume clone"}, nil
}
