// Package idgen makes Heketi-style ids: 32 lowercase hex characters from 16 random bytes.
package idgen

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a fresh random id.
func New() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on Linux; a failure here means the system is unusable.
		panic("idgen: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// Valid reports whether s is exactly 32 hexadecimal characters (either case), the
// rule Heketi applies to ids in request bodies.
func Valid(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
