package server

import (
	"net/http"

	"github.com/basalt-storage/basalt/client/api"
)

func (s *Server) clusterRoutes() []Route {
	return []Route{
		s.route("POST", "/clusters", "cluster create", s.clusterCreate),
		s.cachedRoute("/clusters", "cluster list", s.clusterList),
		s.cachedRoute("/clusters/"+idPattern, "cluster info", s.clusterInfo),
		s.route("POST", "/clusters/"+idPattern+"/flags", "cluster set flags", s.clusterSetFlags),
		s.route("DELETE", "/clusters/"+idPattern, "cluster delete", s.clusterDelete),
	}
}

func (s *Server) clusterCreate(r *http.Request) (*reply, error) {
	var req api.ClusterCreateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	info, err := s.app.ClusterCreate(&req)
	if err != nil {
		return nil, err
	}
	return &reply{status: http.StatusCreated, body: info}, nil
}

func (s *Server) clusterList(r *http.Request) (*reply, error) {
	list, err := s.app.ClusterList()
	if err != nil {
		return nil, err
	}
	return &reply{body: list}, nil
}

func (s *Server) clusterInfo(r *http.Request) (*reply, error) {
	info, err := s.app.ClusterInfo(idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{body: info}, nil
}

func (s *Server) clusterSetFlags(r *http.Request) (*reply, error) {
	var req api.ClusterSetFlagsRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if err := s.app.ClusterSetFlags(idOf(r), &req); err != nil {
		return nil, err
	}
	// Heketi answers 200 with a JSON content type and an empty body.
	return &reply{json: true}, nil
}

func (s *Server) clusterDelete(r *http.Request) (*reply, error) {
	return &reply{}, s.app.ClusterDelete(idOf(r))
}

func (s *Server) nodeRoutes() []Route {
	return []Route{
		s.route("POST", "/nodes", "node add", s.nodeAdd),
		s.cachedRoute("/nodes/"+idPattern, "node info", s.nodeInfo),
		s.route("DELETE", "/nodes/"+idPattern, "node delete", s.nodeDelete),
		s.route("POST", "/nodes/"+idPattern+"/state", "node set state", s.nodeSetState),
		s.route("POST", "/nodes/"+idPattern+"/tags", "node set tags", s.nodeSetTags),
	}
}

func (s *Server) nodeAdd(r *http.Request) (*reply, error) {
	var req api.NodeAddRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.NodeAdd(r.Context(), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "node add"}, nil
}

func (s *Server) nodeInfo(r *http.Request) (*reply, error) {
	info, err := s.app.NodeInfo(idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{body: info}, nil
}

func (s *Server) nodeDelete(r *http.Request) (*reply, error) {
	job, err := s.app.NodeDelete(r.Context(), idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "node delete"}, nil
}

func (s *Server) nodeSetState(r *http.Request) (*reply, error) {
	var req api.StateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.NodeSetState(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "node set state"}, nil
}

func (s *Server) nodeSetTags(r *http.Request) (*reply, error) {
	var req api.TagsChangeRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	tags, err := s.app.NodeSetTags(idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{body: tags}, nil
}

func (s *Server) deviceRoutes() []Route {
	return []Route{
		s.route("POST", "/devices", "device add", s.deviceAdd),
		s.cachedRoute("/devices/"+idPattern, "device info", s.deviceInfo),
		s.route("DELETE", "/devices/"+idPattern, "device delete", s.deviceDelete),
		s.route("POST", "/devices/"+idPattern+"/state", "device set state", s.deviceSetState),
		s.route("GET", "/devices/"+idPattern+"/resync", "device resync", s.deviceResync),
		s.route("POST", "/devices/"+idPattern+"/tags", "device set tags", s.deviceSetTags),
	}
}

func (s *Server) deviceAdd(r *http.Request) (*reply, error) {
	var req api.DeviceAddRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.DeviceAdd(r.Context(), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "device add"}, nil
}

func (s *Server) deviceInfo(r *http.Request) (*reply, error) {
	info, err := s.app.DeviceInfo(idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{body: info}, nil
}

func (s *Server) deviceDelete(r *http.Request) (*reply, error) {
	var opts api.DeviceDeleteOptions
	if err := decodeOptional(r, &opts); err != nil {
		return nil, err
	}
	job, err := s.app.DeviceDelete(r.Context(), idOf(r), opts)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "device delete"}, nil
}

func (s *Server) deviceSetState(r *http.Request) (*reply, error) {
	var req api.StateRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	job, err := s.app.DeviceSetState(r.Context(), idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "device set state"}, nil
}

func (s *Server) deviceResync(r *http.Request) (*reply, error) {
	job, err := s.app.DeviceResync(r.Context(), idOf(r))
	if err != nil {
		return nil, err
	}
	return &reply{job: job, name: "device resync"}, nil
}

func (s *Server) deviceSetTags(r *http.Request) (*reply, error) {
	var req api.TagsChangeRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	tags, err := s.app.DeviceSetTags(idOf(r), &req)
	if err != nil {
		return nil, err
	}
	return &reply{body: tags}, nil
}
