package client

import (
	"context"
	"net/http"
	"slices"
	"sync"

	"github.com/basalt-storage/basalt/client/api"
)

// TopologyInfo assembles the whole topology client-side, as Heketi's client
// does (there is no /topology route): every cluster with its volumes and
// nodes expanded. Unlike Heketi's client it fetches the cluster, node and
// volume infos concurrently (bounded by the client's concurrency) over
// reused connections. A volume is listed under a cluster only if its info
// names that cluster; a cluster, node or volume deleted while the topology
// is read (404) is left out rather than failing the whole call.
func (c *Client) TopologyInfo(ctx context.Context) (*api.TopologyInfoResponse, error) {
	list, err := c.ClusterList(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	clusters := make([]*api.ClusterInfoResponse, len(list.Clusters))
	err = c.parallel(ctx, cancel, len(list.Clusters), func(i int) error {
		ci, err := c.ClusterInfo(ctx, list.Clusters[i])
		if StatusCode(err) == http.StatusNotFound {
			return nil
		}
		clusters[i] = ci
		return err
	})
	if err != nil {
		return nil, err
	}
	clusters = slices.DeleteFunc(clusters, func(ci *api.ClusterInfoResponse) bool { return ci == nil })

	// One flat list of fetches over every cluster, so a few big clusters
	// do not serialise the work.
	type fetch struct {
		cluster, index int
		volume         bool
		id             string
	}
	var work []fetch
	out := &api.TopologyInfoResponse{ClusterList: make([]api.TopologyCluster, len(clusters))}
	vols := make([][]*api.VolumeInfoResponse, len(clusters))
	nodes := make([][]*api.NodeInfoResponse, len(clusters))
	for i, ci := range clusters {
		out.ClusterList[i] = api.TopologyCluster{ID: ci.ID, ClusterFlags: ci.ClusterFlags}
		vols[i] = make([]*api.VolumeInfoResponse, len(ci.Volumes))
		nodes[i] = make([]*api.NodeInfoResponse, len(ci.Nodes))
		for j, id := range ci.Nodes {
			work = append(work, fetch{cluster: i, index: j, id: id})
		}
		for j, id := range ci.Volumes {
			work = append(work, fetch{cluster: i, index: j, volume: true, id: id})
		}
	}
	err = c.parallel(ctx, cancel, len(work), func(k int) error {
		f := work[k]
		if f.volume {
			v, err := c.VolumeInfo(ctx, f.id)
			if StatusCode(err) == http.StatusNotFound {
				return nil
			}
			vols[f.cluster][f.index] = v
			return err
		}
		n, err := c.NodeInfo(ctx, f.id)
		if StatusCode(err) == http.StatusNotFound {
			return nil
		}
		nodes[f.cluster][f.index] = n
		return err
	})
	if err != nil {
		return nil, err
	}

	for i := range out.ClusterList {
		tc := &out.ClusterList[i]
		tc.Volumes = make([]api.VolumeInfoResponse, 0, len(vols[i]))
		for _, v := range vols[i] {
			if v != nil && v.Cluster == tc.ID {
				tc.Volumes = append(tc.Volumes, *v)
			}
		}
		tc.Nodes = make([]api.NodeInfoResponse, 0, len(nodes[i]))
		for _, n := range nodes[i] {
			if n != nil {
				tc.Nodes = append(tc.Nodes, *n)
			}
		}
	}
	return out, nil
}

// parallel runs fn(0..n-1) on at most cap(c.sem) goroutines and returns the
// first error; that error also cancels ctx so the other calls stop early.
func (c *Client) parallel(ctx context.Context, cancel context.CancelCauseFunc, n int, fn func(i int) error) error {
	workers := min(n, cap(c.sem))
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err; cancel(err) })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return context.Cause(ctx)
}
