package fakeexec

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// How a capture's output is compared with the Fake's.
const (
	exact     = iota // byte for byte, after replacing random ids
	xmlShape         // same XML element paths
	jsonShape        // same JSON key paths
	firstLine        // same first line (systemctl status, udevadm)
)

// captureCompare says how each capture's stdout is compared; files not
// listed are compared exactly.
var captureCompare = map[string]int{
	"05-udevadm-symlink-vdb.txt":                     firstLine,
	"23-systemctl-status-glusterd.txt":               firstLine,
	"29-volume-status-vol-test-xml.txt":              xmlShape,
	"46-extra-volume-status-vol-clone-xml.txt":       xmlShape,
	"49-extra-lvs-json-units-k-with-clone.txt":       jsonShape,
	"63-extra-lvs-json-after-failed-lvremove.txt":    jsonShape,
	"75-extra-systemctl-status-glusterd-stopped.txt": firstLine,
}

// TestReplayCaptures runs the captured command list, in order, against a
// node set up like the capture VM (gnode1, 4 GiB /dev/vdb, glusterd
// stopped) and compares exit codes, stderr and stdout with the real ones.
func TestReplayCaptures(t *testing.T) {
	f := New(Options{})
	n := f.AddNode("gnode1", "gnode1")
	n.AddDisk("/dev/vdb", 4<<20)
	n.SetGlusterd(false)
	// Later commands name the clone by its id: map the captured id to ours.
	ids := map[string]string{}
	for _, c := range loadCaptures(t) {
		t.Run(c.file, func(t *testing.T) {
			cmd := c.cmd
			for from, to := range ids {
				cmd = strings.ReplaceAll(cmd, from, to)
			}
			res, _ := f.Run(context.Background(), "gnode1", []string{cmd}, time.Minute)
			if len(res) != 1 {
				t.Fatalf("got %d results, want 1", len(res))
			}
			r := res[0]
			if strings.Contains(c.stdout, "<CloneCreate>") {
				want, got := reUUID.FindString(c.stdout), reUUID.FindString(r.Stdout)
				ids[strings.ReplaceAll(want, "-", "")] = strings.ReplaceAll(got, "-", "")
			}
			if r.ExitStatus != c.exit {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", r.ExitStatus, c.exit, r.Stdout, r.Stderr)
			}
			if got, want := normalize(r.Stderr), normalize(c.stderr); got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
			switch captureCompare[c.file] {
			case exact:
				if got, want := normalize(r.Stdout), normalize(c.stdout); got != want {
					t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
				}
			case xmlShape:
				if d := diff(xmlPaths(t, c.stdout), xmlPaths(t, r.Stdout)); d != "" {
					t.Errorf("XML element paths differ from the capture:\n%s", d)
				}
			case jsonShape:
				if d := diff(jsonKeys(t, c.stdout), jsonKeys(t, r.Stdout)); d != "" {
					t.Errorf("JSON key paths differ from the capture:\n%s", d)
				}
				// LV names, attributes, sizes, pools and origins match too;
				// only the usage percentages differ.
				if got, want := lvFields(t, normalize(r.Stdout)), lvFields(t, normalize(c.stdout)); got != want {
					t.Errorf("LVs:\n%s\nwant:\n%s", got, want)
				}
			case firstLine:
				g, _, _ := strings.Cut(r.Stdout, "\n")
				w, _, _ := strings.Cut(c.stdout, "\n")
				if normalize(g) != normalize(w) && !strings.HasPrefix(c.file, "05-") {
					t.Errorf("first line %q, want %q", g, w)
				}
				if strings.HasPrefix(c.file, "05-") && !strings.Contains(r.Stdout, "disk/by-id/lvm-pv-uuid-") {
					t.Errorf("udevadm output lacks the PV uuid link: %q", r.Stdout)
				}
			}
		})
	}
}

// lvFields renders the identity fields of an lvs JSON report, one LV a line.
func lvFields(t *testing.T, out string) string {
	t.Helper()
	var r struct {
		Report []struct {
			LV []map[string]string `json:"lv"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Report) != 1 {
		t.Fatalf("lvs JSON: %v\n%s", err, out)
	}
	// Sorted: LVM sorts by name, and the random clone id may sort anywhere.
	var lines []string
	for _, lv := range r.Report[0].LV {
		lines = append(lines, fmt.Sprintf("%s %s %s %s %s origin=%q", lv["lv_name"], lv["vg_name"], lv["lv_attr"], lv["lv_size"], lv["pool_lv"], lv["origin"]))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
