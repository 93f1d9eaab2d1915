package async

import (
	"net/http"

	"github.com/basalt-storage/basalt/internal/errs"
)

// QueuePrefix is the path under which job status is polled.
const QueuePrefix = "/queue/"

// StatusPath returns the bare path a client polls for job id: /queue/<id>.
func StatusPath(id string) string { return QueuePrefix + id }

// WriteAccepted answers a request whose job id was just submitted with 202
// Accepted and Location: /queue/<id>, byte for byte as Heketi does with
// http.Redirect: for POST and DELETE an empty body without Content-Type, for
// GET (device resync) a text/html body `<a href="/queue/<id>">Accepted</a>.`
// followed by a blank line.
func (m *Manager) WriteAccepted(w http.ResponseWriter, r *http.Request, id string) {
	http.Redirect(w, r, StatusPath(id), http.StatusAccepted)
}

// ServeStatus answers GET /queue/<id> for job id:
//   - waiting or running: 200 with X-Pending: true and an empty body;
//   - failed: 500, text/plain, the job's error text and a newline;
//   - done with a Location: 303 See Other to it, with Go's HTML anchor body;
//   - done without a Location: 204 No Content;
//   - unknown or expired id: 404 "Id not found".
//
// The first answer that reports a finished job starts its retention period;
// polls within it get the same answer again.
func (m *Manager) ServeStatus(w http.ResponseWriter, r *http.Request, id string) {
	o, ok := m.lookup(id)
	switch {
	case !ok:
		http.Error(w, errs.TextNotFound, http.StatusNotFound)
	case o.state != finished:
		w.Header().Set("X-Pending", "true")
		w.WriteHeader(http.StatusOK)
	case o.err != nil:
		http.Error(w, o.err.Error(), http.StatusInternalServerError)
	case o.result.Location != "":
		http.Redirect(w, r, o.result.Location, http.StatusSeeOther)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
