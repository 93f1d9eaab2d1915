package server

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/apps/glusterfs"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/server/middleware"
)

// maxBodyBytes bounds request bodies; Heketi's largest bodies are a few KiB.
const maxBodyBytes = 4 << 20

// reply is what a handler asks the adapter to send.
type reply struct {
	status int           // status of a synchronous reply (default 200)
	body   any           // JSON-encoded when non-nil
	json   bool          // send the JSON content type even with no body (Heketi quirk)
	job    glusterfs.Job // when set: run asynchronously and answer 202
	name   string        // job name for logs
}

// handlerFunc is the shape of every API handler: it returns what to send or
// an error, and never writes the response itself (STYLE rule 2).
type handlerFunc func(r *http.Request) (*reply, error)

// statusOf maps an error kind to an HTTP status.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unparsable:
		return http.StatusUnprocessableEntity
	case errs.Busy:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.Unauthorized:
		return http.StatusUnauthorized
	default: // Internal, NoSpace
		return http.StatusInternalServerError
	}
}

// wrap adapts a handlerFunc to net/http: it writes JSON, 202 for jobs, and
// errors as Heketi does (text/plain, message + newline).
func (s *Server) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rep, err := h(r)
		if err == nil && rep != nil && rep.job != nil {
			err = s.submit(w, r, rep)
			if err == nil {
				return
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeReply(w, rep)
	}
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, rep *reply) error {
	id, err := s.jobs.Submit(rep.name, s.timed(rep.name, adaptJob(rep.job)))
	if err != nil {
		return err
	}
	s.log.WithFields(logrus.Fields{"request_id": middleware.RequestID(r.Context()), "job": id, "name": rep.name}).Debug("job queued")
	s.jobs.WriteAccepted(w, r, id)
	return nil
}

func writeReply(w http.ResponseWriter, rep *reply) {
	status := http.StatusOK
	if rep != nil && rep.status != 0 {
		status = rep.status
	}
	if rep == nil || (rep.body == nil && !rep.json) {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	if rep.body != nil {
		_ = json.NewEncoder(w).Encode(rep.body)
	}
}

// writeError writes err as Heketi does and logs it: 5xx at error, 4xx at debug.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(errs.KindOf(err))
	entry := s.log.WithFields(logrus.Fields{
		"request_id": middleware.RequestID(r.Context()),
		"method":     r.Method,
		"path":       r.URL.Path,
		"status":     status,
	}).WithError(err)
	if status >= 500 {
		entry.Error("request error")
	} else {
		entry.Debug("request error")
	}
	if status == http.StatusTooManyRequests {
		// Heketi sends no Retry-After; clients that honour it retry sooner
		// than Heketi's 10-30 s default, and the others are unaffected.
		w.Header().Set("Retry-After", "1")
	}
	http.Error(w, err.Error(), status)
}

// decode reads a JSON request body the way Heketi does: field names match
// case-insensitively, unknown fields are ignored, and an empty or malformed
// body is a 422 "request unable to be parsed".
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return errs.New(errs.Unparsable, errs.TextUnparsable)
	}
	if len(body) > maxBodyBytes {
		return errs.New(errs.Unparsable, errs.TextUnparsable)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &errs.Error{Kind: errs.Unparsable, Msg: errs.TextUnparsable, Err: err}
	}
	return nil
}

// decodeOptional decodes a body only when the request declares one, as Heketi
// does for DELETE /devices/{id} and POST /bricks/to-evict/{id}.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength <= 0 {
		return nil
	}
	return decode(r, v)
}
