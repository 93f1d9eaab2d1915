package server

import "testing"

func TestResponseCacheKeepsOnlyTheNewestRevision(t *testing.T) {
	var c responseCache
	c.put("/nodes/a", 1, []byte("a1"))
	c.put("/nodes/b", 1, []byte("b1"))
	if body, ok := c.get("/nodes/a", 1); !ok || string(body) != "a1" {
		t.Fatalf("get a at 1 = %q %v", body, ok)
	}
	if _, ok := c.get("/nodes/a", 2); ok {
		t.Fatal("an answer of revision 1 served at revision 2")
	}
	c.put("/nodes/b", 2, []byte("b2"))
	if len(c.entries) != 1 {
		t.Fatalf("revision-1 answers kept after a revision-2 put: %d entries", len(c.entries))
	}
	c.put("/nodes/a", 1, []byte("late a1")) // a slow request finishing late
	if _, ok := c.get("/nodes/a", 1); ok || len(c.entries) != 1 {
		t.Fatalf("a superseded answer was stored: %d entries", len(c.entries))
	}
	if body, ok := c.get("/nodes/b", 2); !ok || string(body) != "b2" {
		t.Fatalf("get b at 2 = %q %v", body, ok)
	}
}

func TestResponseCacheBounded(t *testing.T) {
	var c responseCache
	for i := 0; i < cacheMaxEntries+10; i++ {
		c.put("/p/"+string(rune('a'+i%26))+string(rune('a'+i/26)), 7, []byte("x"))
	}
	if len(c.entries) > cacheMaxEntries {
		t.Fatalf("%d entries, limit %d", len(c.entries), cacheMaxEntries)
	}
}

func TestResponseCacheSizeHintOutlivesRevisions(t *testing.T) {
	var c responseCache
	if got := c.sizeHint("/nodes/a"); got != 0 {
		t.Fatalf("hint before any answer: %d", got)
	}
	c.put("/nodes/a", 1, make([]byte, 3000))
	c.put("/nodes/b", 2, make([]byte, 10)) // retires revision 1's answers
	if _, ok := c.get("/nodes/a", 1); ok {
		t.Fatal("revision 1 answer still served")
	}
	if got := c.sizeHint("/nodes/a"); got != 3000 {
		t.Fatalf("hint for /nodes/a after a newer revision: %d, want 3000", got)
	}
}

func TestResponseCacheByteBudgetEvictsLeastRecentlyRead(t *testing.T) {
	var c responseCache
	quarter := make([]byte, cacheMaxBytes/4)
	for _, p := range []string{"/nodes/a", "/nodes/b", "/nodes/c", "/nodes/d"} {
		c.put(p, 1, quarter)
	}
	if c.bytes != cacheMaxBytes {
		t.Fatalf("held %d bytes, want %d", c.bytes, cacheMaxBytes)
	}
	// /nodes/a is read again, so /nodes/b is now the least recently used.
	if _, ok := c.get("/nodes/a", 1); !ok {
		t.Fatal("/nodes/a missing")
	}
	c.put("/devices/x", 1, make([]byte, 10))
	if _, ok := c.get("/nodes/b", 1); ok {
		t.Error("/nodes/b, the least recently read, was kept over the budget")
	}
	for _, p := range []string{"/nodes/a", "/nodes/c", "/nodes/d", "/devices/x"} {
		if _, ok := c.get(p, 1); !ok {
			t.Errorf("%s evicted", p)
		}
	}
	if c.bytes > cacheMaxBytes {
		t.Fatalf("held %d bytes over the budget %d", c.bytes, cacheMaxBytes)
	}
	// Replacing an entry does not count it twice; an answer larger than
	// the whole budget is not kept (but its size is remembered).
	c.put("/nodes/a", 1, quarter)
	if want := 3*len(quarter) + 10; c.bytes != want {
		t.Errorf("held %d bytes after replacing /nodes/a, want %d", c.bytes, want)
	}
	c.put("/huge", 1, make([]byte, cacheMaxBytes+1))
	if _, ok := c.get("/huge", 1); ok || c.sizeHint("/huge") != cacheMaxBytes+1 {
		t.Error("an answer over the budget was kept, or its size forgotten")
	}
}
