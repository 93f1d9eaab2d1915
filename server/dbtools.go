package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/db/dbcheck"
	"github.com/basalt-storage/basalt/db/heketidump"
	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/server/middleware"
)

// backuper is a store that can stream a consistent copy of its file
// (db.BoltStore does).
type backuper interface {
	Backup(w io.Writer) (int64, error)
}

// errNoStore answers the database routes of a server built without
// Options.Store.
var errNoStore = errs.New(errs.Unavailable, "database tools are not available on this server")

// dbRoutes are Heketi's database routes (facts 2.2): an online backup of the
// bolt file, the JSON dump and the consistency check. All three read one
// consistent snapshot and never block writers.
func (s *Server) dbRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/backup/db", Name: "db backup", handler: http.HandlerFunc(s.dbBackup)},
		{Method: "GET", Path: "/db/dump", Name: "db dump", handler: s.indentedJSON(s.dbDump)},
		{Method: "GET", Path: "/db/check", Name: "db check", handler: s.indentedJSON(s.dbCheck)},
	}
}

// dbBackup streams the database file as Heketi does: 200,
// application/octet-stream, attachment "heketi.db", with Content-Length.
//
// The copy comes from one bbolt read transaction, so it is consistent and
// writers go on meanwhile. Because the length must be sent before the body
// and a later transaction may see a different file size, the copy is first
// written to a temporary file (in os.TempDir, removed afterwards) and then
// sent from there; a failure while copying is still an ordinary error reply.
// The result is a Basalt database: it opens with db.Open, not with Heketi.
func (s *Server) dbBackup(w http.ResponseWriter, r *http.Request) {
	b, ok := s.store.(backuper)
	if s.store == nil || !ok {
		s.writeError(w, r, errNoStore)
		return
	}
	f, err := os.CreateTemp("", "basalt-backup-*.db")
	if err != nil {
		s.writeError(w, r, fmt.Errorf("database backup: temporary file: %w", err))
		return
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	n, err := b.Backup(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("database backup: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="heketi.db"`)
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := io.CopyN(w, f, n); err != nil {
		// The status is sent; the client sees a short body.
		s.log.WithFields(logrus.Fields{"request_id": middleware.RequestID(r.Context())}).WithError(err).Warn("database backup: sending the copy")
	}
}

// dbDump returns the Heketi-format JSON dump of one snapshot.
func (s *Server) dbDump(r *http.Request) (any, error) {
	if s.store == nil {
		return nil, errNoStore
	}
	var dump *heketidump.Dump
	err := s.store.View(func(rd db.Reader) error {
		var err error
		dump, err = heketidump.Export(rd)
		return err
	})
	return dump, err
}

// dbCheck returns the consistency report of one snapshot.
func (s *Server) dbCheck(r *http.Request) (any, error) {
	if s.store == nil {
		return nil, errNoStore
	}
	var rep *dbcheck.Report
	err := s.store.View(func(rd db.Reader) error {
		var err error
		rep, err = dbcheck.Check(rd)
		return err
	})
	return rep, err
}

// indentedJSON adapts a handler whose 200 body Heketi pretty-prints with a
// four-space indent (/db/dump, /db/check). The body is encoded before
// anything is written, so an encoding error is still an error reply.
func (s *Server) indentedJSON(h func(r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		var buf bytes.Buffer
		if err == nil {
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "    ")
			err = enc.Encode(v)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes())
	})
}
