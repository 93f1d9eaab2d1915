package sshexec

import (
	"bytes"
	"fmt"
	"sync"
)

// limitedBuffer keeps the first max bytes written to it and counts the rest.
// Writes never fail, so a command that prints more than the limit keeps
// running and its exit status is still read.
type limitedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := b.max - b.buf.Len(); room < len(p) {
		if room < 0 {
			room = 0
		}
		b.dropped += int64(len(p) - room)
		p = p[:room]
	}
	b.buf.Write(p)
	return n, nil
}

// String returns what was kept, followed by a note when output was dropped.
func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped == 0 {
		return b.buf.String()
	}
	return fmt.Sprintf("%s\n[basalt: output truncated: %d bytes dropped after the first %d]\n", b.buf.String(), b.dropped, b.max)
}
