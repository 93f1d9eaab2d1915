package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/basalt-storage/basalt/db"
)

// Read routes whose answer is a function of the database alone (cluster,
// node and device info, lists) can be large at scale: a node of a
// 10,000-volume cluster lists 10,000 bricks. Their encoded answers are kept
// under the store revision they were computed at, so a repeated GET costs one
// revision read until the next write; any commit changes the revision and
// retires every entry at once. Small answers are not kept: they are cheaper
// to recompute than to hold. The answers held are bounded in number and in
// bytes; past the byte budget the least recently read go first, so the few
// answers read over and over (the nodes a provisioner reads for every
// volume) stay while a one-off walk over every device passes through.
const (
	cacheMinBody    = 8 << 10
	cacheMaxEntries = 256
	cacheMaxBytes   = 16 << 20
)

type cacheEntry struct {
	rev  uint64
	body []byte
	used uint64 // tick of the last get or put
}

// responseCache maps a request path to its last large answer. It holds
// answers of the newest revision it has seen only: an older one can never be
// served again, so keeping it would only hold memory (a node answer is 3 MB
// at 10,000 volumes).
type responseCache struct {
	mu      sync.Mutex
	rev     uint64
	entries map[string]cacheEntry
	bytes   int    // sum of the bodies held
	tick    uint64 // advances on every get and put
	// sizes remembers each path's last answer size, across revisions, so
	// the next encoding of it can size its buffer once instead of doubling
	// its way up (and clearing every step) to megabytes.
	sizes map[string]int
}

// sizeHint returns the size of path's last large answer, or 0.
func (c *responseCache) sizeHint(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sizes[path]
}

func (c *responseCache) get(path string, rev uint64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	if !ok || e.rev != rev {
		return nil, false
	}
	c.tick++
	e.used = c.tick
	c.entries[path] = e
	return e.body, true
}

func (c *responseCache) put(path string, rev uint64, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case rev < c.rev:
		return // computed at a revision already superseded
	case rev > c.rev || c.entries == nil || len(c.entries) >= cacheMaxEntries:
		c.entries = map[string]cacheEntry{}
		c.bytes = 0
		c.rev = rev
	}
	if old, ok := c.entries[path]; ok {
		c.bytes -= len(old.body)
		delete(c.entries, path)
	}
	if len(body) <= cacheMaxBytes {
		for c.bytes+len(body) > cacheMaxBytes && len(c.entries) > 0 {
			c.evictOldest()
		}
		c.tick++
		c.entries[path] = cacheEntry{rev: rev, body: body, used: c.tick}
		c.bytes += len(body)
	}
	if c.sizes == nil || len(c.sizes) >= cacheMaxEntries {
		c.sizes = map[string]int{}
	}
	c.sizes[path] = len(body)
}

// evictOldest drops the least recently used entry.
func (c *responseCache) evictOldest() {
	var oldest string
	first := true
	for p, e := range c.entries {
		if first || e.used < c.entries[oldest].used {
			oldest, first = p, false
		}
	}
	c.bytes -= len(c.entries[oldest].body)
	delete(c.entries, oldest)
}

// cachedRoute is route for a GET whose answer depends only on the database.
func (s *Server) cachedRoute(path, name string, h handlerFunc) Route {
	rt := s.route("GET", path, name, h)
	if s.store == nil {
		return rt
	}
	rt.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rev uint64
		if err := s.store.View(func(rd db.Reader) error { rev = rd.Revision(); return nil }); err != nil {
			s.writeError(w, r, err)
			return
		}
		if body, ok := s.cache.get(r.URL.Path, rev); ok {
			writeJSONBytes(w, body)
			return
		}
		rep, err := h(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var body []byte
		if hint := s.cache.sizeHint(r.URL.Path); hint > 0 {
			body = make([]byte, 0, hint+hint/32)
		}
		body, ok := appendInfoJSON(body, rep.body)
		if !ok {
			buf := bytes.NewBuffer(body)
			if err := json.NewEncoder(buf).Encode(rep.body); err != nil {
				s.writeError(w, r, err)
				return
			}
			body = buf.Bytes()
		}
		if len(body) >= cacheMinBody {
			// The answer reflects a state at least as new as rev; a request
			// can only see rev again if nothing was written since.
			kept := body
			if cap(kept)-len(kept) > len(kept)/16 {
				// Keep an exact-size copy, not a buffer with up to twice
				// the capacity it needs (the first encoding of a path).
				kept = bytes.Clone(kept)
			}
			s.cache.put(r.URL.Path, rev, kept)
		}
		writeJSONBytes(w, body)
	})
	return rt
}

func writeJSONBytes(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	// The length is known: spare the client chunked decoding of a large
	// answer and let it size its buffer.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
