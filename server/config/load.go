package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Env looks up an environment variable, like os.LookupEnv. A variable that
// is unset or set to the empty string is treated as absent, as Heketi does.
type Env func(name string) (string, bool)

// Flags are the command-line settings, applied after the environment.
type Flags struct {
	// DisableAuth is --disable-auth: serve without JWT checks.
	DisableAuth bool
	// Port, when non-empty, overrides port and HEKETI_HTTP_PORT (Basalt).
	Port string
	// DBPath, when non-empty, overrides glusterfs.db and HEKETI_DB_PATH
	// (Basalt).
	DBPath string
	// Executor, when non-empty, overrides glusterfs.executor and
	// HEKETI_EXECUTOR (Basalt).
	Executor string
}

// Load builds the configuration from the file at path, the environment env
// (nil means none; pass os.LookupEnv in production) and flags, then
// validates it. Every error is one line naming the file key, variable or
// value at fault.
func Load(path string, env Env, flags Flags) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config file %s: %w", path, unwrapPathError(err))
	}
	return Parse(path, data, env, flags)
}

// Parse is Load for file contents already in memory; name (normally the
// path as given on the command line) is used in error messages.
func Parse(name string, data []byte, env Env, flags Flags) (Config, error) {
	c := Default()
	if err := c.decodeFile(name, data); err != nil {
		return Config{}, err
	}
	if err := c.applyEnv(env); err != nil {
		return Config{}, err
	}
	c.applyFlags(flags)
	c.normalize()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Warnings returns one log line per unknown or ignored key found in the
// file, for the server to log at start-up.
func (c Config) Warnings() []string {
	var w []string
	for _, k := range c.UnknownKeys {
		w = append(w, fmt.Sprintf("unknown config key %s ignored", k))
	}
	for _, k := range c.IgnoredKeys {
		w = append(w, fmt.Sprintf("config key %s has no effect: %s", k, ignoredReason(k)))
	}
	return w
}

// decodeFile overlays the JSON document data on c with encoding/json
// semantics, forces rebalance_on_expansion as Heketi does, and records
// unknown and ignored keys.
func (c *Config) decodeFile(name string, data []byte) error {
	if err := json.Unmarshal(data, c); err != nil {
		return fileError(name, data, err)
	}
	// Heketi overwrites the file's value (facts 6.1); only the
	// environment can turn rebalancing off.
	c.GlusterFS.SSHExec.RebalanceOnExpansion = true
	c.GlusterFS.KubeExec.RebalanceOnExpansion = true

	var k keyWalker
	k.walk("", data, reflect.TypeFor[Config]())
	sort.Strings(k.unknown)
	sort.Strings(k.ignored)
	c.UnknownKeys, c.IgnoredKeys = k.unknown, k.ignored
	return nil
}

// fileError rewrites a decoding error into one line.
func fileError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if syn.Offset >= int64(len(data)) {
			return fmt.Errorf("config file %s: invalid JSON: %v", name, syn)
		}
		line, col := lineCol(data, syn.Offset)
		return fmt.Errorf("config file %s: invalid JSON at line %d, column %d: %v", name, line, col, syn)
	case errors.As(err, &typ):
		path, got := locate(data, typ.Offset)
		if path == "" {
			path = typ.Field
		}
		if path == "" {
			path = "(top level)"
		}
		if got == "" {
			got = typ.Value
		}
		return fmt.Errorf("config file %s: %s: expected %s, got %s", name, path, expected(typ.Type), got)
	default:
		return fmt.Errorf("config file %s: %v", name, err)
	}
}

// lineCol returns the 1-based line and column of the last byte of
// data[:off], the byte encoding/json stopped at.
func lineCol(data []byte, off int64) (int, int) {
	if len(data) == 0 {
		return 1, 1
	}
	off = min(max(off, 1), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before[:len(before)-1], []byte("\n")) + 1
	col := len(before) - 1 - bytes.LastIndexByte(before[:len(before)-1], '\n')
	return line, col
}

// expected describes the JSON a Go type accepts.
func expected(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return fmt.Sprintf("an integer from 0 to %d", uint64(1)<<(t.Bits())-1)
	case reflect.Uint, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return t.String()
}

// locate finds the JSON value that ends at byte offset off (where
// encoding/json reports a type error) and returns its path as written in
// the file, e.g. "glusterfs.sshexec.xfs_sw", and a short description such
// as `string "8x"`. It returns empty strings if it cannot tell.
func locate(data []byte, off int64) (string, string) {
	type frame struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				fmt.Fprintf(&b, "[%d]", f.index)
			}
		}
		return b.String()
	}
	// valueDone advances the innermost container past one value.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		end := dec.InputOffset()
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if end == off {
					what := "an object"
					if d == '[' {
						what = "an array"
					}
					return path(), what
				}
				stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		if end == off {
			return path(), describe(tok)
		}
		valueDone()
	}
}

// describe renders a JSON literal for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case string:
		if len(v) > 60 {
			v = v[:60] + "..."
		}
		return "string " + strconv.Quote(v)
	case json.Number:
		return "number " + v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// keyWalker compares the file's keys with the Config type.
type keyWalker struct {
	unknown, ignored []string
}

// walk visits the JSON value raw, which decodes into type t at path.
func (k *keyWalker) walk(path string, raw []byte, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return
		}
		fields := jsonFields(t)
		for key, v := range obj {
			f, ok := matchField(fields, key)
			if !ok {
				if !strings.HasPrefix(key, "_") {
					k.unknown = append(k.unknown, join(path, key))
				}
				continue
			}
			p := join(path, f.name)
			if ignoredReason(p) != "" {
				k.ignored = append(k.ignored, p)
			}
			k.walk(p, v, f.typ)
		}
	case reflect.Slice, reflect.Array:
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return
		}
		for i, v := range list {
			k.walk(fmt.Sprintf("%s[%d]", path, i), v, t.Elem())
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// field is one JSON-visible struct field, after flattening embedded structs.
type field struct {
	name string
	typ  reflect.Type
}

// jsonFields lists the JSON names of t's fields, promoting the fields of
// embedded structs as encoding/json does (Config has no name conflicts).
func jsonFields(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(sf.Type)...)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, field{name: name, typ: sf.Type})
	}
	return out
}

// matchField finds the field for key: an exact match first, then a
// case-insensitive one, like encoding/json.
func matchField(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return field{}, false
}

// ignoredReason says why a known key has no effect, or "" if it has one.
// path uses the canonical key names.
func ignoredReason(path string) string {
	switch path {
	case "use_auth":
		return "authentication is on unless the server is started with --disable-auth"
	case "glusterfs.allocator":
		return "Heketi parsed it but never used it"
	case "glusterfs.sshexec.rebalance_on_expansion", "glusterfs.kubeexec.rebalance_on_expansion":
		return "always true as in Heketi; set HEKETI_GLUSTERAPP_REBALANCE_ON_EXPANSION=false to disable"
	case "glusterfs.kubeexec.sudo":
		return "sudo applies to the ssh executor only"
	}
	return ""
}
