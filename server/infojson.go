package server

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/basalt-storage/basalt/client/api"
)

// Node and device answers list every brick on them: 10,000 per node of a
// 10,000-volume cluster, 3 MB of JSON. encoding/json spends most of the
// first read after each write walking those bricks by reflection and
// growing its own buffer, so these two answers are written by hand, byte
// for byte as encoding/json writes them (field order, omitempty, null for
// nil slices and maps, sorted map keys, HTML-safe string escapes);
// TestInfoJSONMatchesEncodingJSON and FuzzAppendJSONString hold them to it.

// appendInfoJSON appends v's JSON and a newline (as json.Encoder does) when
// v is one of the hand-written types, and reports whether it was.
func appendInfoJSON(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case *api.NodeInfoResponse:
		return append(appendNodeInfo(b, x), '\n'), true
	case *api.DeviceInfoResponse:
		return append(appendDeviceInfo(b, x), '\n'), true
	}
	return b, false
}

func appendNodeInfo(b []byte, n *api.NodeInfoResponse) []byte {
	b = append(b, `{"zone":`...)
	b = strconv.AppendInt(b, int64(n.Zone), 10)
	b = append(b, `,"hostnames":{"manage":`...)
	b = appendStrings(b, n.Hostnames.Manage)
	b = append(b, `,"storage":`...)
	b = appendStrings(b, n.Hostnames.Storage)
	b = append(b, `},"cluster":`...)
	b = appendJSONString(b, n.ClusterID)
	if len(n.Tags) > 0 {
		b = append(b, `,"tags":`...)
		b = appendTags(b, n.Tags)
	}
	b = append(b, `,"id":`...)
	b = appendJSONString(b, n.ID)
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(n.State))
	b = append(b, `,"devices":`...)
	if n.DevicesInfo == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i := range n.DevicesInfo {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendDeviceInfo(b, &n.DevicesInfo[i])
	}
	return append(b, "]}"...)
}

func appendDeviceInfo(b []byte, d *api.DeviceInfoResponse) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, d.Name)
	if len(d.Tags) > 0 {
		b = append(b, `,"tags":`...)
		b = appendTags(b, d.Tags)
	}
	b = append(b, `,"storage":{"total":`...)
	b = strconv.AppendUint(b, d.Storage.Total, 10)
	b = append(b, `,"free":`...)
	b = strconv.AppendUint(b, d.Storage.Free, 10)
	b = append(b, `,"used":`...)
	b = strconv.AppendUint(b, d.Storage.Used, 10)
	b = append(b, `},"id":`...)
	b = appendJSONString(b, d.ID)
	if len(d.Paths) > 0 {
		b = append(b, `,"paths":`...)
		b = appendStrings(b, d.Paths)
	}
	if d.PVUUID != "" {
		b = append(b, `,"pv_uuid":`...)
		b = appendJSONString(b, d.PVUUID)
	}
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(d.State))
	b = append(b, `,"bricks":`...)
	if d.Bricks == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i := range d.Bricks {
		br := &d.Bricks[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendJSONString(b, br.ID)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, br.Path)
		b = append(b, `,"device":`...)
		b = appendJSONString(b, br.DeviceID)
		b = append(b, `,"node":`...)
		b = appendJSONString(b, br.NodeID)
		b = append(b, `,"volume":`...)
		b = appendJSONString(b, br.VolumeID)
		b = append(b, `,"size":`...)
		b = strconv.AppendUint(b, br.Size, 10)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendStrings writes a []string; nil is null, as encoding/json writes it.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendTags writes a non-empty map with its keys sorted.
func appendTags(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s quoted the way encoding/json does with HTML
// escaping on: ", \ and control characters escaped (\b \f \n \r \t by
// name, the rest as \u00XX), <, > and & as \u003c \u003e \u0026, U+2028
// and U+2029 escaped, and invalid UTF-8 replaced by \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
