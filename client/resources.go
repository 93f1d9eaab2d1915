package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/basalt-storage/basalt/client/api"
)

// p joins a route prefix and an id (escaped) into a path.
func p(prefix, id string, suffix ...string) string {
	s := prefix + "/" + url.PathEscape(id)
	for _, x := range suffix {
		s += "/" + x
	}
	return s
}

// Hello checks that the server answers GET /hello.
func (c *Client) Hello(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/hello", nil, nil, http.StatusOK)
}

// ClusterCreate creates a cluster; a nil request sends both flags false
// (the server's default).
func (c *Client) ClusterCreate(ctx context.Context, req *api.ClusterCreateRequest) (*api.ClusterInfoResponse, error) {
	if req == nil {
		req = &api.ClusterCreateRequest{}
	}
	var out api.ClusterInfoResponse
	if err := c.call(ctx, http.MethodPost, "/clusters", req, &out, http.StatusCreated); err != nil {
		return nil, err
	}
	return &out, nil
}

// ClusterList lists the cluster ids.
func (c *Client) ClusterList(ctx context.Context) (*api.ClusterListResponse, error) {
	var out api.ClusterListResponse
	if err := c.call(ctx, http.MethodGet, "/clusters", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// ClusterInfo returns one cluster.
func (c *Client) ClusterInfo(ctx context.Context, id string) (*api.ClusterInfoResponse, error) {
	var out api.ClusterInfoResponse
	if err := c.call(ctx, http.MethodGet, p("/clusters", id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// ClusterDelete deletes an empty cluster.
func (c *Client) ClusterDelete(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, p("/clusters", id), nil, nil, http.StatusOK)
}

// ClusterSetFlags overwrites both volume-type flags of a cluster.
func (c *Client) ClusterSetFlags(ctx context.Context, id string, req *api.ClusterSetFlagsRequest) error {
	return c.call(ctx, http.MethodPost, p("/clusters", id, "flags"), req, nil, http.StatusOK)
}

// NodeAdd adds a node to a cluster and returns it once the job is done.
func (c *Client) NodeAdd(ctx context.Context, req *api.NodeAddRequest) (*api.NodeInfoResponse, error) {
	var out api.NodeInfoResponse
	if err := c.async(ctx, http.MethodPost, "/nodes", req, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// NodeInfo returns one node with its devices.
func (c *Client) NodeInfo(ctx context.Context, id string) (*api.NodeInfoResponse, error) {
	var out api.NodeInfoResponse
	if err := c.call(ctx, http.MethodGet, p("/nodes", id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// NodeDelete removes a node that has no devices left.
func (c *Client) NodeDelete(ctx context.Context, id string) error {
	return c.async(ctx, http.MethodDelete, p("/nodes", id), nil, nil, http.StatusNoContent)
}

// NodeState sets a node online, offline or failed (removing its bricks).
func (c *Client) NodeState(ctx context.Context, id string, req *api.StateRequest) error {
	return c.async(ctx, http.MethodPost, p("/nodes", id, "state"), req, nil, http.StatusNoContent)
}

// NodeSetTags changes a node's tags.
func (c *Client) NodeSetTags(ctx context.Context, id string, req *api.TagsChangeRequest) error {
	return c.call(ctx, http.MethodPost, p("/nodes", id, "tags"), req, nil, http.StatusOK)
}

// DeviceAdd adds a device to a node. The server does not return the new
// device's id; read the node to find it.
func (c *Client) DeviceAdd(ctx context.Context, req *api.DeviceAddRequest) error {
	return c.async(ctx, http.MethodPost, "/devices", req, nil, http.StatusNoContent)
}

// DeviceInfo returns one device with its bricks.
func (c *Client) DeviceInfo(ctx context.Context, id string) (*api.DeviceInfoResponse, error) {
	var out api.DeviceInfoResponse
	if err := c.call(ctx, http.MethodGet, p("/devices", id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeviceDelete deletes a failed device that holds no bricks.
func (c *Client) DeviceDelete(ctx context.Context, id string) error {
	return c.DeviceDeleteWithOptions(ctx, id, nil)
}

// DeviceDeleteWithOptions deletes a device; opts (may be nil) can ask the
// server to forget the device even if it cannot be cleaned up.
func (c *Client) DeviceDeleteWithOptions(ctx context.Context, id string, opts *api.DeviceDeleteOptions) error {
	return c.async(ctx, http.MethodDelete, p("/devices", id), opts, nil, http.StatusNoContent)
}

// DeviceState sets a device online, offline or failed (removing its bricks).
func (c *Client) DeviceState(ctx context.Context, id string, req *api.StateRequest) error {
	return c.async(ctx, http.MethodPost, p("/devices", id, "state"), req, nil, http.StatusNoContent)
}

// DeviceResync re-reads a device's size from its node.
func (c *Client) DeviceResync(ctx context.Context, id string) error {
	return c.async(ctx, http.MethodGet, p("/devices", id, "resync"), nil, nil, http.StatusNoContent)
}

// DeviceSetTags changes a device's tags.
func (c *Client) DeviceSetTags(ctx context.Context, id string, req *api.TagsChangeRequest) error {
	return c.call(ctx, http.MethodPost, p("/devices", id, "tags"), req, nil, http.StatusOK)
}

// VolumeCreate creates a volume and returns it once the job is done.
func (c *Client) VolumeCreate(ctx context.Context, req *api.VolumeCreateRequest) (*api.VolumeInfoResponse, error) {
	return c.volumeJob(ctx, "/volumes", req)
}

// VolumeList lists the volume ids.
func (c *Client) VolumeList(ctx context.Context) (*api.VolumeListResponse, error) {
	var out api.VolumeListResponse
	if err := c.call(ctx, http.MethodGet, "/volumes", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// VolumeInfo returns one volume with its bricks.
func (c *Client) VolumeInfo(ctx context.Context, id string) (*api.VolumeInfoResponse, error) {
	var out api.VolumeInfoResponse
	if err := c.call(ctx, http.MethodGet, p("/volumes", id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// VolumeDelete deletes a volume.
func (c *Client) VolumeDelete(ctx context.Context, id string) error {
	return c.async(ctx, http.MethodDelete, p("/volumes", id), nil, nil, http.StatusNoContent)
}

// VolumeExpand grows a volume by req.Size GiB and returns the result.
func (c *Client) VolumeExpand(ctx context.Context, id string, req *api.VolumeExpandRequest) (*api.VolumeInfoResponse, error) {
	return c.volumeJob(ctx, p("/volumes", id, "expand"), req)
}

// VolumeClone clones a volume and returns the new volume.
func (c *Client) VolumeClone(ctx context.Context, id string, req *api.VolumeCloneRequest) (*api.VolumeInfoResponse, error) {
	if req == nil {
		req = &api.VolumeCloneRequest{}
	}
	return c.volumeJob(ctx, p("/volumes", id, "clone"), req)
}

// VolumeSetBlockRestriction locks or unlocks a block-hosting volume.
func (c *Client) VolumeSetBlockRestriction(ctx context.Context, id string, req *api.VolumeBlockRestrictionRequest) (*api.VolumeInfoResponse, error) {
	return c.volumeJob(ctx, p("/volumes", id, "block-restriction"), req)
}

// volumeJob runs an asynchronous POST that ends at a volume.
func (c *Client) volumeJob(ctx context.Context, path string, req any) (*api.VolumeInfoResponse, error) {
	var out api.VolumeInfoResponse
	if err := c.async(ctx, http.MethodPost, path, req, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// BlockVolumeCreate creates a block volume and returns it once the job is done.
func (c *Client) BlockVolumeCreate(ctx context.Context, req *api.BlockVolumeCreateRequest) (*api.BlockVolumeInfoResponse, error) {
	return c.blockVolumeJob(ctx, "/blockvolumes", req)
}

// BlockVolumeList lists the block volume ids.
func (c *Client) BlockVolumeList(ctx context.Context) (*api.BlockVolumeListResponse, error) {
	var out api.BlockVolumeListResponse
	if err := c.call(ctx, http.MethodGet, "/blockvolumes", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// BlockVolumeInfo returns one block volume.
func (c *Client) BlockVolumeInfo(ctx context.Context, id string) (*api.BlockVolumeInfoResponse, error) {
	var out api.BlockVolumeInfoResponse
	if err := c.call(ctx, http.MethodGet, p("/blockvolumes", id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// BlockVolumeDelete deletes a block volume.
func (c *Client) BlockVolumeDelete(ctx context.Context, id string) error {
	return c.async(ctx, http.MethodDelete, p("/blockvolumes", id), nil, nil, http.StatusNoContent)
}

// BlockVolumeExpand grows a block volume to req.NewSize GiB and returns it.
func (c *Client) BlockVolumeExpand(ctx context.Context, id string, req *api.BlockVolumeExpandRequest) (*api.BlockVolumeInfoResponse, error) {
	return c.blockVolumeJob(ctx, p("/blockvolumes", id, "expand"), req)
}

// blockVolumeJob runs an asynchronous POST that ends at a block volume.
func (c *Client) blockVolumeJob(ctx context.Context, path string, req any) (*api.BlockVolumeInfoResponse, error) {
	var out api.BlockVolumeInfoResponse
	if err := c.async(ctx, http.MethodPost, path, req, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// BrickEvict moves a brick to another device; req may be nil.
func (c *Client) BrickEvict(ctx context.Context, id string, req *api.BrickEvictRequest) error {
	return c.async(ctx, http.MethodPost, p("/bricks/to-evict", id), req, nil, http.StatusNoContent)
}
