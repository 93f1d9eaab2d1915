package cmdexec

import (
	"strings"
)

// MountEntry is one line of `mount` output:
// "<device> on <path> type <fstype> (<options>)".
type MountEntry struct {
	Device  string
	Path    string
	Type    string
	Options string
}

// ParseMount parses the output of `mount` (or `mount -t xfs`). Lines that do
// not have the "<device> on <path> type <fstype> (<options>)" shape are skipped.
func ParseMount(out string) []MountEntry {
	var entries []MountEntry
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		dev, rest, ok := strings.Cut(line, " on ")
		if !ok {
			continue
		}
		i := strings.LastIndex(rest, " type ")
		if i < 0 {
			continue
		}
		e := MountEntry{Device: dev, Path: rest[:i]}
		typ := rest[i+len(" type "):]
		if j := strings.Index(typ, " ("); j >= 0 {
			e.Options = strings.TrimSuffix(typ[j+2:], ")")
			typ = typ[:j]
		}
		e.Type = typ
		entries = append(entries, e)
	}
	return entries
}

// IsMounted reports whether path is a mount point in `mount` output. A
// trailing slash on path is ignored.
func IsMounted(mountOutput, path string) bool {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	for _, e := range ParseMount(mountOutput) {
		if e.Path == path {
			return true
		}
	}
	return false
}

// MountsUnder returns the mounts whose path is dir or lies below it, e.g. the
// clone bricks a `gluster volume delete` leaves mounted under
// /run/gluster/snaps/<clone id>/.
func MountsUnder(mountOutput, dir string) []MountEntry {
	dir = strings.TrimSuffix(dir, "/")
	var found []MountEntry
	for _, e := range ParseMount(mountOutput) {
		if e.Path == dir || strings.HasPrefix(e.Path, dir+"/") {
			found = append(found, e)
		}
	}
	return found
}

// FstabEntry is one non-comment line of an fstab file.
type FstabEntry struct {
	Device  string
	Path    string
	Type    string
	Options string
	Dump    string
	Pass    string
}

// ParseFstab parses fstab text (`cat /etc/fstab`): whitespace-separated
// fields (tabs or spaces), comments and blank lines skipped, missing trailing
// fields left empty.
func ParseFstab(out string) []FstabEntry {
	var entries []FstabEntry
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		for len(f) < 6 {
			f = append(f, "")
		}
		entries = append(entries, FstabEntry{Device: f[0], Path: f[1], Type: f[2], Options: f[3], Dump: f[4], Pass: f[5]})
	}
	return entries
}
