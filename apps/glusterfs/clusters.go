package glusterfs

import (
	"fmt"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// ClusterCreate creates an empty cluster with the given flags.
func (a *App) ClusterCreate(req *api.ClusterCreateRequest) (*api.ClusterInfoResponse, error) {
	c := &db.Cluster{ID: idgen.New(), Block: req.Block, File: req.File}
	if err := a.store.Update(func(w db.Writer) error { return w.PutCluster(c) }); err != nil {
		return nil, err
	}
	a.log.WithField("cluster", c.ID).Info("cluster created")
	var info *api.ClusterInfoResponse
	err := a.store.View(func(r db.Reader) error {
		var err error
		info, err = clusterInfo(r, c.ID)
		return err
	})
	return info, err
}

// ClusterList lists cluster ids, sorted.
func (a *App) ClusterList() (*api.ClusterListResponse, error) {
	var ids []string
	err := a.store.View(func(r db.Reader) error {
		var err error
		ids, err = r.ClusterIDs()
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.ClusterListResponse{Clusters: ids}, nil
}

// ClusterInfo describes one cluster. Nodes, volumes and block volumes that an
// unfinished operation is creating or deleting are left out, as Heketi does.
func (a *App) ClusterInfo(id string) (*api.ClusterInfoResponse, error) {
	var info *api.ClusterInfoResponse
	err := a.store.View(func(r db.Reader) error {
		var err error
		info, err = clusterInfo(r, id)
		return err
	})
	return info, err
}

func clusterInfo(r db.Reader, id string) (*api.ClusterInfoResponse, error) {
	c, err := r.Cluster(id)
	if err != nil {
		return nil, err
	}
	info := &api.ClusterInfoResponse{ID: c.ID, ClusterFlags: api.ClusterFlags{Block: c.Block, File: c.File}}
	nodeIDs, err := r.ClusterNodeIDs(id)
	if err != nil {
		return nil, err
	}
	info.Nodes = make([]string, 0, len(nodeIDs))
	for _, nid := range nodeIDs {
		n, err := r.Node(nid)
		if err != nil {
			return nil, err
		}
		if hidden, err := beingAdded(r, n.PendingOpID); err != nil {
			return nil, err
		} else if !hidden {
			info.Nodes = append(info.Nodes, nid)
		}
	}
	// Hidden volumes and block volumes come from the few pending
	// operations, so cluster info never reads every volume record.
	hidden, err := pendingVolumes(r)
	if err != nil {
		return nil, err
	}
	volIDs, err := r.ClusterVolumeIDs(id)
	if err != nil {
		return nil, err
	}
	info.Volumes = make([]string, 0, len(volIDs))
	for _, vid := range volIDs {
		if !hidden[vid] {
			info.Volumes = append(info.Volumes, vid)
		}
	}
	bvIDs, err := r.ClusterBlockVolumeIDs(id)
	if err != nil {
		return nil, err
	}
	info.BlockVolumes = make([]string, 0, len(bvIDs))
	for _, bid := range bvIDs {
		if !hidden[bid] {
			info.BlockVolumes = append(info.BlockVolumes, bid)
		}
	}
	return info, nil
}

// beingAdded reports whether a record marked with opID is still being created
// (and so must not be shown yet).
func beingAdded(r db.Reader, opID string) (bool, error) {
	if opID == "" {
		return false, nil
	}
	op, err := r.PendingOp(opID)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch op.Type {
	case db.OpAddNode, db.OpAddDevice, db.OpCreateVolume, db.OpCloneVolume, db.OpCreateBlockVolume:
		return true, nil
	}
	return false, nil
}

// ClusterSetFlags overwrites both flags of a cluster.
func (a *App) ClusterSetFlags(id string, req *api.ClusterSetFlagsRequest) error {
	return a.store.Update(func(w db.Writer) error {
		c, err := w.Cluster(id)
		if err != nil {
			return err
		}
		c.Block, c.File = req.Block, req.File
		return w.PutCluster(c)
	})
}

// ClusterDelete deletes a cluster that has no nodes and no volumes.
func (a *App) ClusterDelete(id string) error {
	err := a.store.Update(func(w db.Writer) error {
		if _, err := w.Cluster(id); err != nil {
			return err
		}
		nodes, err := w.ClusterNodeIDs(id)
		if err != nil {
			return err
		}
		vols, err := w.ClusterVolumeIDs(id)
		if err != nil {
			return err
		}
		if len(nodes) > 0 || len(vols) > 0 {
			return errs.New(errs.Conflict, fmt.Sprintf("Unable to delete cluster [%s] because it contains volumes and/or nodes", id))
		}
		return w.DeleteCluster(id)
	})
	if err == nil {
		a.log.WithField("cluster", id).Info("cluster deleted")
	}
	return err
}
