package client

import (
	"context"
	"io"
	"net/http"

	"github.com/basalt-storage/basalt/client/api"
)

// OperationsInfo returns the counts of pending and running operations.
func (c *Client) OperationsInfo(ctx context.Context) (*api.OperationsInfo, error) {
	var out api.OperationsInfo
	if err := c.call(ctx, http.MethodGet, "/operations", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// PendingOperationList lists the pending operations.
func (c *Client) PendingOperationList(ctx context.Context) (*api.PendingOperationListResponse, error) {
	var out api.PendingOperationListResponse
	if err := c.call(ctx, http.MethodGet, "/operations/pending", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// PendingOperationDetails returns one pending operation with its changes.
func (c *Client) PendingOperationDetails(ctx context.Context, id string) (*api.PendingOperationDetails, error) {
	var out api.PendingOperationDetails
	if err := c.call(ctx, http.MethodGet, p("/operations/pending", id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// PendingOperationCleanUp cleans up stale or failed pending operations: the
// listed ones, or all when req is nil or lists none.
func (c *Client) PendingOperationCleanUp(ctx context.Context, req *api.PendingOperationsCleanRequest) error {
	if req == nil {
		req = &api.PendingOperationsCleanRequest{}
	}
	r, err := c.do(ctx, http.MethodPost, "/operations/pending/cleanup", req)
	if err != nil {
		return err
	}
	switch r.status {
	case http.StatusOK: // nothing to clean: some servers answer at once
		return nil
	case http.StatusAccepted:
	default:
		return newError(r.status, r.body)
	}
	if r, err = c.wait(ctx, r); err != nil {
		return err
	}
	return expect(r, http.StatusNoContent)
}

// AdminStatusGet returns the server's admin mode.
func (c *Client) AdminStatusGet(ctx context.Context) (*api.AdminStatus, error) {
	var out api.AdminStatus
	if err := c.call(ctx, http.MethodGet, "/admin", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// AdminStatusSet sets the server's admin mode.
func (c *Client) AdminStatusSet(ctx context.Context, req *api.AdminStatus) error {
	return c.call(ctx, http.MethodPost, "/admin", req, nil, http.StatusOK, http.StatusNoContent)
}

// LogLevelGet returns the server's log level.
func (c *Client) LogLevelGet(ctx context.Context) (*api.LogLevelInfo, error) {
	var out api.LogLevelInfo
	if err := c.call(ctx, http.MethodGet, "/internal/logging", nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// LogLevelSet sets the server's log level, e.g. {"glusterfs":"debug"}.
func (c *Client) LogLevelSet(ctx context.Context, req *api.LogLevelInfo) error {
	return c.call(ctx, http.MethodPost, "/internal/logging", req, nil, http.StatusOK)
}

// DbDump returns the server's database as JSON text.
func (c *Client) DbDump(ctx context.Context) (string, error) {
	return c.text(ctx, "/db/dump")
}

// DbCheck returns the server's database consistency report as JSON text
// (it decodes into api.DBCheckResponse).
func (c *Client) DbCheck(ctx context.Context) (string, error) {
	return c.text(ctx, "/db/check")
}

// StateExamineGluster returns the server's comparison of its database with
// the storage nodes, as JSON text.
func (c *Client) StateExamineGluster(ctx context.Context) (string, error) {
	return c.text(ctx, "/internal/state/examine/gluster")
}

// text GETs path and returns the body of a 200 answer.
func (c *Client) text(ctx context.Context, path string) (string, error) {
	r, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return "", err
	}
	if err := expect(r, http.StatusOK); err != nil {
		return "", err
	}
	return string(r.body), nil
}

// BackupDb streams a copy of the server's database file into w.
func (c *Client) BackupDb(ctx context.Context, w io.Writer) error {
	r, err := c.doRaw(ctx, http.MethodGet, "/backup/db", nil, w)
	if err != nil {
		return err
	}
	return expect(r, http.StatusOK)
}
