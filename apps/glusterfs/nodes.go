package glusterfs

import (
	"context"
	"fmt"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
)

// Step names recorded in pending operations.
const (
	stepPeerProbe    = "peer-probe"
	stepPeerDetach   = "peer-detach"
	stepDeviceSetup  = "device-setup"
	stepDeviceRemove = "device-teardown"
)

// NodeAdd registers a node and returns the job that joins it to the cluster's
// trusted pool. Hostnames are registered (and duplicates refused) before the
// job starts; a failed job removes the registration again.
func (a *App) NodeAdd(ctx context.Context, req *api.NodeAddRequest) (Job, error) {
	if err := req.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err)
	}
	node := &db.Node{
		ID:               idgen.New(),
		ClusterID:        req.ClusterID,
		Zone:             req.Zone,
		ManageHostnames:  req.Hostnames.Manage,
		StorageHostnames: req.Hostnames.Storage,
		Tags:             req.Tags,
		State:            api.EntryStateOnline,
	}
	op := newOp(db.OpAddNode, db.PendingAction{Change: db.ChangeAddNode, ID: node.ID})
	node.PendingOpID = op.ID

	var members []*db.Node
	err := a.store.Update(func(w db.Writer) error {
		if _, err := w.Cluster(req.ClusterID); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.New(errs.NotFound, errs.TextClusterIDNotFound)
			}
			return err
		}
		if err := checkHostnamesFree(w, node); err != nil {
			return err
		}
		var err error
		if members, err = poolMembers(w, req.ClusterID, node.ID); err != nil {
			return err
		}
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		return w.PutNode(node)
	})
	if err != nil {
		return nil, err
	}
	log := a.log.WithFields(map[string]any{"node": node.ID, "cluster": node.ClusterID, "op": op.ID})
	// Owned from now on, so the cleaner leaves it alone during the
	// (possibly slow) checks below.
	a.track(op.ID)

	// Heketi checks glusterd synchronously so the client gets a 400 at once.
	if len(members) == 0 {
		if err := a.exec.GlusterdCheck(ctx, node.ManageHost()); err != nil {
			log.WithError(err).Debug("glusterd check on new node failed")
			a.forgetNode(node.ID, op.ID)
			a.untrack(op.ID)
			return nil, errs.New(errs.Invalid, "New Node doesn't have glusterd running")
		}
	} else if _, err := a.verifiedMember(ctx, members); err != nil {
		a.forgetNode(node.ID, op.ID)
		a.untrack(op.ID)
		return nil, errs.New(errs.Invalid, "None of the nodes in cluster has glusterd running")
	}

	return func(ctx context.Context) (string, error) {
		defer a.untrack(op.ID)
		if err := a.joinPool(ctx, node, op); err != nil {
			log.WithError(err).Error("node add failed")
			return "", err
		}
		log.Info("node added")
		return "/nodes/" + node.ID, nil
	}, nil
}

// joinPool probes the new node from a verified member (under the cluster's
// pool lock) and then makes the node visible.
func (a *App) joinPool(ctx context.Context, node *db.Node, op *db.PendingOp) error {
	lock := a.clusterLock(node.ClusterID)
	lock.Lock()
	defer lock.Unlock()

	var members []*db.Node
	if err := a.store.View(func(r db.Reader) error {
		var err error
		members, err = poolMembers(r, node.ClusterID, node.ID)
		return err
	}); err != nil {
		return err
	}
	if len(members) > 0 {
		prober, err := a.verifiedMember(ctx, members)
		if err != nil {
			a.rollbackNodeAdd(ctx, node, op, nil)
			return errs.New(errs.Internal, "None of the nodes in cluster has glusterd running")
		}
		if err := a.startStep(op, stepPeerProbe, prober.ManageHost()); err != nil {
			return err
		}
		if err := a.exec.PeerProbe(ctx, prober.ManageHost(), node.StorageHost()); err != nil {
			a.rollbackNodeAdd(ctx, node, op, prober)
			return err
		}
		if err := a.finishStep(op, stepPeerProbe); err != nil {
			return err
		}
	}
	return a.store.Update(func(w db.Writer) error {
		n, err := w.Node(node.ID)
		if err != nil {
			return err
		}
		n.PendingOpID = ""
		if err := w.PutNode(n); err != nil {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
}

// rollbackNodeAdd undoes a node add: detach the node if it may have been
// probed, then remove its records.
func (a *App) rollbackNodeAdd(ctx context.Context, node *db.Node, op *db.PendingOp, prober *db.Node) {
	if prober != nil && stepStarted(op, stepPeerProbe) {
		if err := a.exec.PeerDetach(ctx, prober.ManageHost(), node.StorageHost()); err != nil {
			a.log.WithError(err).WithField("node", node.ID).Warn("peer detach during node-add rollback failed")
		}
	}
	a.forgetNode(node.ID, op.ID)
}

// forgetNode removes a node record and its operation, logging failures.
func (a *App) forgetNode(nodeID, opID string) {
	err := a.store.Update(func(w db.Writer) error {
		if err := w.DeleteNode(nodeID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err := w.DeletePendingOp(opID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		a.log.WithError(err).WithField("node", nodeID).Error("cannot remove node record")
	}
}

// checkHostnamesFree refuses a node whose hostnames another node registered.
func checkHostnamesFree(r db.Reader, n *db.Node) error {
	for _, h := range n.ManageHostnames {
		id, err := r.NodeIDByManageHostname(h)
		if err != nil {
			return err
		}
		if id != "" && id != n.ID {
			return hostnameInUse(h, id)
		}
	}
	for _, h := range n.StorageHostnames {
		id, err := r.NodeIDByStorageHostname(h)
		if err != nil {
			return err
		}
		if id != "" && id != n.ID {
			return hostnameInUse(h, id)
		}
	}
	return nil
}

// hostnameInUse is Heketi's 409, with its embedded newline (facts 15.1 #12).
func hostnameInUse(host, id string) error {
	return errs.New(errs.Conflict, fmt.Sprintf("Hostname %s already used by node with id %s\n", host, id))
}

// poolMembers lists the finished, online nodes of a cluster in id order,
// leaving out the node named except.
func poolMembers(r db.Reader, clusterID, except string) ([]*db.Node, error) {
	ids, err := r.ClusterNodeIDs(clusterID)
	if err != nil {
		return nil, err
	}
	var out []*db.Node
	for _, id := range ids {
		if id == except {
			continue
		}
		n, err := r.Node(id)
		if err != nil {
			return nil, err
		}
		if hidden, err := beingAdded(r, n.PendingOpID); err != nil {
			return nil, err
		} else if hidden || n.State != api.EntryStateOnline {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

// verifiedMember returns the first node whose glusterd answers.
func (a *App) verifiedMember(ctx context.Context, nodes []*db.Node) (*db.Node, error) {
	var last error
	for _, n := range nodes {
		if err := a.exec.GlusterdCheck(ctx, n.ManageHost()); err != nil {
			a.log.WithError(err).WithField("host", n.ManageHost()).Debug("glusterd check failed")
			last = err
			continue
		}
		return n, nil
	}
	if last == nil {
		last = errs.New(errs.Internal, "no nodes to check")
	}
	return nil, last
}

// NodeInfo describes a node with its devices and their bricks.
func (a *App) NodeInfo(id string) (*api.NodeInfoResponse, error) {
	var info *api.NodeInfoResponse
	err := a.store.View(func(r db.Reader) error {
		n, err := visibleNode(r, id)
		if err != nil {
			return err
		}
		info = &api.NodeInfoResponse{
			NodeInfo: api.NodeInfo{
				NodeAddRequest: api.NodeAddRequest{
					Zone:      n.Zone,
					Hostnames: api.HostAddresses{Manage: nonNil(n.ManageHostnames), Storage: nonNil(n.StorageHostnames)},
					ClusterID: n.ClusterID,
					Tags:      n.Tags,
				},
				ID: n.ID,
			},
			State:       n.State,
			DevicesInfo: []api.DeviceInfoResponse{},
		}
		devIDs, err := r.NodeDeviceIDs(id)
		if err != nil {
			return err
		}
		for _, did := range devIDs {
			d, err := r.Device(did)
			if err != nil {
				return err
			}
			if hidden, err := beingAdded(r, d.PendingOpID); err != nil {
				return err
			} else if hidden {
				continue
			}
			di, err := deviceInfo(r, d)
			if err != nil {
				return err
			}
			info.DevicesInfo = append(info.DevicesInfo, *di)
		}
		return nil
	})
	return info, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NodeDelete checks that a node has no devices and returns the job that
// detaches it from the pool and removes it.
func (a *App) NodeDelete(ctx context.Context, id string) (Job, error) {
	op := newOp(db.OpDeleteNode, db.PendingAction{Change: db.ChangeDeleteNode, ID: id})
	var node *db.Node
	err := a.store.Update(func(w db.Writer) error {
		n, err := visibleNode(w, id)
		if err != nil {
			return err
		}
		if n.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		devs, err := w.NodeDeviceIDs(id)
		if err != nil {
			return err
		}
		if len(devs) > 0 {
			return errs.New(errs.Conflict, fmt.Sprintf("Unable to delete node [%s] because it contains devices", id))
		}
		n.PendingOpID = op.ID
		node = n
		if err := w.PutPendingOp(op); err != nil {
			return err
		}
		return w.PutNode(n)
	})
	if err != nil {
		return nil, err
	}
	a.track(op.ID)
	return func(ctx context.Context) (string, error) {
		defer a.untrack(op.ID)
		return "", a.leavePool(ctx, node, op)
	}, nil
}

// leavePool detaches a node from its cluster's pool (a failed detach is only
// logged, as in Heketi) and removes its records.
func (a *App) leavePool(ctx context.Context, node *db.Node, op *db.PendingOp) error {
	lock := a.clusterLock(node.ClusterID)
	lock.Lock()
	defer lock.Unlock()
	log := a.log.WithFields(map[string]any{"node": node.ID, "op": op.ID})

	var others []*db.Node
	if err := a.store.View(func(r db.Reader) error {
		ids, err := r.ClusterNodeIDs(node.ClusterID)
		if err != nil {
			return err
		}
		for _, nid := range ids {
			if nid == node.ID {
				continue
			}
			n, err := r.Node(nid)
			if err != nil {
				return err
			}
			others = append(others, n)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(others) > 0 {
		host := others[0].ManageHost()
		if err := a.startStep(op, stepPeerDetach, host); err != nil {
			return err
		}
		if err := a.exec.PeerDetach(ctx, host, node.StorageHost()); err != nil {
			log.WithError(err).Warn("peer detach failed; removing the node anyway")
		}
	}
	err := a.store.Update(func(w db.Writer) error {
		if err := w.DeleteNode(node.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		return w.DeletePendingOp(op.ID)
	})
	if err == nil {
		log.Info("node deleted")
	}
	return err
}

// NodeSetState validates a state change and returns the job that performs it.
// Transitions follow Heketi's table (facts 10); their errors surface on the queue.
func (a *App) NodeSetState(ctx context.Context, id string, req *api.StateRequest) (Job, error) {
	return a.stateJob(req, func() error { _, err := a.NodeInfo(id); return err },
		func(ctx context.Context, healCheck bool) error { return a.nodeSetState(ctx, id, req.State, healCheck) })
}

func (a *App) nodeSetState(ctx context.Context, id string, to api.EntryState, healCheck bool) error {
	var devIDs []string
	err := a.store.Update(func(w db.Writer) error {
		n, err := w.Node(id)
		if err != nil {
			return err
		}
		if n.PendingOpID != "" {
			return errs.New(errs.Conflict, errs.TextConflict)
		}
		from := n.State
		switch {
		case from == to:
			return nil
		case from == api.EntryStateFailed && to == api.EntryStateOnline:
			return errs.New(errs.Invalid, "Cannot move a failed/removed node to online state")
		case from == api.EntryStateFailed && to == api.EntryStateOffline:
			return errs.New(errs.Invalid, "Cannot move a failed/removed node to offline state")
		case from == api.EntryStateOnline && to == api.EntryStateFailed:
			return errs.New(errs.Invalid, fmt.Sprintf("Node must be offline before remove operation is performed, node:%s", id))
		case to == api.EntryStateFailed:
			// Every device is removed first (below), whatever its state.
			devIDs, err = w.NodeDeviceIDs(id)
			return err
		}
		n.State = to
		a.log.WithFields(map[string]any{"node": id, "from": from, "to": to}).Info("node state changed")
		return w.PutNode(n)
	})
	if err != nil || to != api.EntryStateFailed || devIDs == nil && !a.nodeIs(id, api.EntryStateOffline) {
		return err
	}
	for _, did := range devIDs {
		var state api.EntryState
		if err := a.store.View(func(r db.Reader) error {
			d, err := r.Device(did)
			if err == nil {
				state = d.State
			}
			return err
		}); err != nil {
			return err
		}
		if state == api.EntryStateFailed {
			continue
		}
		if err := a.removeDevice(ctx, did, healCheck); err != nil {
			if errs.Is(err, errs.NoSpace) {
				return errs.New(errs.NoSpace, fmt.Sprintf("Unable to remove node [%s] as no device was found to replace device [%s]", id, did))
			}
			return err
		}
	}
	return a.store.Update(func(w db.Writer) error {
		n, err := w.Node(id)
		if err != nil {
			return err
		}
		n.State = api.EntryStateFailed
		a.log.WithField("node", id).Info("node removed")
		return w.PutNode(n)
	})
}

// nodeIs reports whether a node is in a state.
func (a *App) nodeIs(id string, s api.EntryState) bool {
	ok := false
	_ = a.store.View(func(r db.Reader) error {
		n, err := r.Node(id)
		ok = err == nil && n.State == s
		return nil
	})
	return ok
}

// NodeSetTags changes a node's tags and returns the resulting tag map.
func (a *App) NodeSetTags(id string, req *api.TagsChangeRequest) (map[string]string, error) {
	if err := req.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err)
	}
	var out map[string]string
	err := a.store.Update(func(w db.Writer) error {
		n, err := visibleNode(w, id)
		if err != nil {
			return err
		}
		n.Tags, err = applyTags(n.Tags, req)
		if err != nil {
			return err
		}
		out = n.Tags
		return w.PutNode(n)
	})
	if out == nil && err == nil {
		out = map[string]string{}
	}
	return out, err
}

// applyTags applies a tags change and checks the result still obeys the tag rules.
func applyTags(cur map[string]string, req *api.TagsChangeRequest) (map[string]string, error) {
	next := map[string]string{}
	switch req.Change {
	case api.SetTags:
		for k, v := range req.Tags {
			next[k] = v
		}
	case api.UpdateTags:
		for k, v := range cur {
			next[k] = v
		}
		for k, v := range req.Tags {
			next[k] = v
		}
	case api.DeleteTags:
		for k, v := range cur {
			if _, drop := req.Tags[k]; !drop {
				next[k] = v
			}
		}
	}
	if m := api.ValidateTags(next); m != "" {
		return nil, errs.New(errs.Invalid, "validation failed: tags: "+m+".")
	}
	if len(next) == 0 {
		return nil, nil
	}
	return next, nil
}

// visibleNode reads a node that is not still being added (such a node is
// not shown yet, so it reads as not found), as visibleDevice does for devices.
func visibleNode(r db.Reader, id string) (*db.Node, error) {
	n, err := r.Node(id)
	if err != nil {
		return nil, err
	}
	if hidden, err := beingAdded(r, n.PendingOpID); err != nil {
		return nil, err
	} else if hidden {
		return nil, errs.ErrNotFound
	}
	return n, nil
}
