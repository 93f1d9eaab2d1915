package db

import (
	"bytes"
	"unicode/utf8"
)

// Reading bricks is the inner loop of node, device and volume answers (a node
// of a 10,000-volume cluster lists 10,000 of them), and encoding/json's
// reflection-driven decoder was half the time of such an answer. Brick
// records are written by encodeBrick alone, so they have one simple shape: a
// flat object of strings without escapes and unsigned integers. parseBrick
// reads exactly that shape and refuses anything else (escapes, whitespace,
// null, negative or fractional numbers, unknown or misspelt keys, invalid
// UTF-8), leaving it to encoding/json; FuzzParseBrick checks that whatever it
// accepts, encoding/json reads the same way.

// parseBrick fills s from data if data is a record of the simple shape and
// reports whether it was.
func parseBrick(data []byte, s *storedBrick) bool {
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return false
	}
	p := data[1 : len(data)-1]
	for len(p) > 0 {
		key, rest, ok := plainString(p)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		p = rest[1:]
		if len(p) > 0 && p[0] == '"' {
			var val []byte
			if val, p, ok = plainString(p); !ok || !setBrickString(s, key, string(val)) {
				return false
			}
		} else {
			var n uint64
			if n, p, ok = plainUint(p); !ok || !setBrickUint(s, key, n) {
				return false
			}
		}
		if len(p) > 0 {
			if p[0] != ',' || len(p) == 1 {
				return false
			}
			p = p[1:]
		}
	}
	return true
}

// plainString reads a JSON string at the start of p that needs no
// unescaping and returns its contents and what follows it.
func plainString(p []byte) (val, rest []byte, ok bool) {
	if len(p) == 0 || p[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(p[1:], '"')
	if end < 0 {
		return nil, nil, false
	}
	val = p[1 : 1+end]
	ascii := true
	for _, c := range val {
		if c < 0x20 || c == '\\' {
			return nil, nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(val) {
		return nil, nil, false
	}
	return val, p[2+end:], true
}

// plainUint reads a JSON number at the start of p that is an unsigned
// integer of at most 19 digits (so it cannot overflow) without a leading
// zero.
func plainUint(p []byte) (n uint64, rest []byte, ok bool) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		n = n*10 + uint64(p[i]-'0')
		i++
	}
	if i == 0 || i > 19 || (i > 1 && p[0] == '0') {
		return 0, nil, false
	}
	return n, p[i:], true
}

func setBrickString(s *storedBrick, key []byte, v string) bool {
	switch string(key) {
	case "volume":
		s.VolumeID = v
	case "device":
		s.DeviceID = v
	case "node":
		s.NodeID = v
	case "path", "tp", "lv":
		// A copy per case, so that only these (rare) values move to the
		// heap, not every v.
		own := v
		switch string(key) {
		case "path":
			s.Path = &own
		case "tp":
			s.ThinPool = &own
		default:
			s.LV = &own
		}
	case "pending_op":
		s.PendingOpID = v
	default:
		return false
	}
	return true
}

func setBrickUint(s *storedBrick, key []byte, n uint64) bool {
	switch string(key) {
	case "kib":
		s.SizeKiB = n
	case "tp_kib":
		s.TpSizeKiB = n
	case "meta_kib":
		s.PoolMetadataSizeKiB = n
	case "type":
		if n > 1<<31-1 {
			return false
		}
		s.SubType = int(n)
	default:
		return false
	}
	return true
}
