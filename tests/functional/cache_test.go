package functional

import (
	"strconv"
	"strings"
	"testing"
)

// TestLargeAnswersFollowWrites checks the revision-keyed answer cache: a node
// info large enough to be cached must change as soon as a write changes it.
func TestLargeAnswersFollowWrites(t *testing.T) {
	e := newEnv(t)
	_, nodes := e.topology(1, "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde", "/dev/sdf", "/dev/sdg", "/dev/sdh", "/dev/sdi")
	for i := 0; i < 70; i++ {
		e.mustCreateVolume(`{"size":1}`)
	}
	first := e.do("GET", "/nodes/"+nodes[0], nil)
	if len(first.body) < 8<<10 {
		t.Fatalf("test needs a node info of at least 8 KiB to exercise the cache, got %d bytes", len(first.body))
	}
	again := e.do("GET", "/nodes/"+nodes[0], nil)
	if again.body != first.body || again.header.Get("Content-Type") != "application/json; charset=UTF-8" {
		t.Fatalf("a repeated read must give the same answer with the JSON content type")
	}
	if cl := again.header.Get("Content-Length"); cl != strconv.Itoa(len(first.body)) {
		t.Fatalf("a cached answer must carry its length: Content-Length %q for %d bytes", cl, len(first.body))
	}
	v := e.mustCreateVolume(`{"size":1}`)
	after := e.do("GET", "/nodes/"+nodes[0], nil)
	if !strings.Contains(after.body, v.Bricks[0].ID) {
		t.Fatalf("node info after a create must list the new brick %s", v.Bricks[0].ID)
	}
	expect(t, "delete", e.wait(e.do("DELETE", "/volumes/"+v.ID, nil)), 204, "")
	if gone := e.do("GET", "/nodes/"+nodes[0], nil); strings.Contains(gone.body, v.Bricks[0].ID) || gone.body != first.body {
		t.Fatalf("node info after the delete must be back to the first answer")
	}
}
