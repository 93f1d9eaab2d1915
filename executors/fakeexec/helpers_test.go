package fakeexec

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basalt-storage/basalt/executors"
)

// capture is one file of testdata/captures: a real command and its outcome.
type capture struct {
	file   string
	cmd    string
	exit   int
	stdout string
	stderr string
}

func loadCaptures(t testing.TB) []capture {
	t.Helper()
	files, err := filepath.Glob("testdata/captures/[0-9]*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures found: %v", err)
	}
	sort.Strings(files)
	var out []capture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		head, rest, _ := strings.Cut(s, "--- stdout\n")
		stdout, stderr, _ := strings.Cut(rest, "--- stderr\n")
		lines := strings.Split(head, "\n")
		c := capture{file: filepath.Base(f), cmd: strings.TrimPrefix(lines[0], "$ "), stdout: stdout, stderr: stderr}
		c.exit, err = strconv.Atoi(strings.TrimPrefix(lines[1], "exit: "))
		if err != nil {
			t.Fatalf("%s: bad exit line %q", f, lines[1])
		}
		out = append(out, c)
	}
	return out
}

var (
	reUUID    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	reLVMUUID = regexp.MustCompile(`[A-Za-z0-9]{6}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{6}`)
	reHexID   = regexp.MustCompile(`[0-9a-f]{32}`)
	fixedIDs  = map[string]bool{
		"0123456789abcdef0123456789abcdef": true,
		"aaaa0000aaaa0000aaaa0000aaaa0000": true,
		"bbbb0000bbbb0000bbbb0000bbbb0000": true,
	}
)

// normalize replaces random identifiers with placeholders.
func normalize(s string) string {
	s = reUUID.ReplaceAllString(s, "UUID")
	s = reLVMUUID.ReplaceAllString(s, "LVMUUID")
	return reHexID.ReplaceAllStringFunc(s, func(id string) string {
		if fixedIDs[id] {
			return id
		}
		return "HEXID"
	})
}

// xmlPaths returns the set of element paths of an XML document.
func xmlPaths(t testing.TB, doc string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []string
	set := map[string]bool{}
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("invalid XML: %v\n%s", err, doc)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			stack = append(stack, x.Name.Local)
			set[strings.Join(stack, "/")] = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// jsonKeys returns the set of key paths of a JSON document (array indexes
// collapsed to []).
func jsonKeys(t testing.TB, doc string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, doc)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				set[prefix+"/"+k] = true
				walk(prefix+"/"+k, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// mustRun runs cmds on host and fails the test on any error.
func mustRun(t testing.TB, f *Fake, host string, cmds ...string) []executors.Result {
	t.Helper()
	res, err := f.Run(context.Background(), host, cmds, time.Minute)
	if err != nil {
		t.Fatalf("Run on %s: %v (results %+v)", host, err, res)
	}
	return res
}

// runFail runs cmds and expects the last one to fail with a CommandError.
func runFail(t testing.TB, f *Fake, host string, cmds ...string) *executors.CommandError {
	t.Helper()
	_, err := f.Run(context.Background(), host, cmds, time.Minute)
	var ce *executors.CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("Run on %s: want *CommandError, got %v", host, err)
	}
	if ce.Command != cmds[len(cmds)-1] {
		t.Fatalf("failing command = %q, want %q", ce.Command, cmds[len(cmds)-1])
	}
	return ce
}

const glusterCLI = "gluster --mode=script --timeout=600 "

// Command lines as Heketi renders them (facts 7.4-7.8).

func deviceSetupCmds(devID, dev string) []string {
	return []string{
		fmt.Sprintf("/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '%s'", dev),
		fmt.Sprintf("/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n vg_%s %s", devID, dev),
		fmt.Sprintf("/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json %s", dev),
		fmt.Sprintf("/usr/bin/udevadm info --query=symlink --name=%s", dev),
		fmt.Sprintf("/usr/sbin/lvm vgdisplay -c vg_%s", devID),
	}
}

func deviceTeardownCmds(devID, pvUUID string) []string {
	return []string{
		fmt.Sprintf("/usr/sbin/lvm vgremove -qq vg_%s", devID),
		fmt.Sprintf("/usr/sbin/lvm pvremove -qq '/dev/disk/by-id/lvm-pv-uuid-%s'", pvUUID),
		fmt.Sprintf("rmdir /var/lib/heketi/mounts/vg_%s", devID),
	}
}

func mnt(devID, brickID string) string {
	return fmt.Sprintf("/var/lib/heketi/mounts/vg_%s/brick_%s", devID, brickID)
}

func brickCreateCmds(devID, brickID, tpID string, sizeK, tpK, metaK uint64, gid int) []string {
	dev := fmt.Sprintf("/dev/mapper/vg_%s-brick_%s", devID, brickID)
	m := mnt(devID, brickID)
	cmds := []string{
		"mkdir -p " + m,
		fmt.Sprintf("/usr/sbin/lvm lvcreate -qq --autobackup=n --poolmetadatasize %dK --chunksize 256K --size %dK --thin vg_%s/tp_%s --virtualsize %dK --name brick_%s", metaK, tpK, devID, tpID, sizeK, brickID),
		"mkfs.xfs -i size=512 -n size=8192 " + dev,
		fmt.Sprintf(`awk "BEGIN {print \"%s %s xfs rw,inode64,noatime,nouuid 1 2\" >> \"/etc/fstab\"}"`, dev, m),
		fmt.Sprintf("mount -o rw,inode64,noatime,nouuid %s %s", dev, m),
		"mkdir " + m + "/brick",
	}
	if gid != 0 {
		cmds = append(cmds, fmt.Sprintf("chown :%d %s/brick", gid, m), fmt.Sprintf("chmod 2775 %s/brick", m))
	}
	return cmds
}

// brickDestroy runs the brick destroy sequence the way cmdexec does: umount,
// fstab, lvremove brick, thin_count, lvremove pool only when empty, rmdir.
func brickDestroy(t testing.TB, f *Fake, host, devID, brickID, lvName, tpID string) {
	t.Helper()
	m := mnt(devID, brickID)
	mustRun(t, f, host,
		"umount "+m,
		fmt.Sprintf(`sed -i.save "/brick_%s/d" /etc/fstab`, brickID),
		fmt.Sprintf("/usr/sbin/lvm lvremove --autobackup=n -f vg_%s/%s", devID, lvName))
	res := mustRun(t, f, host, fmt.Sprintf("/usr/sbin/lvm lvs --noheadings --options=thin_count vg_%s/tp_%s", devID, tpID))
	if strings.TrimSpace(res[0].Stdout) == "0" {
		mustRun(t, f, host, fmt.Sprintf("/usr/sbin/lvm lvremove --autobackup=n -f vg_%s/tp_%s", devID, tpID))
	}
	mustRun(t, f, host, "rmdir "+m)
}

// pvUUIDFromJSON extracts report[0].pv[0].pv_uuid.
func pvUUIDFromJSON(t testing.TB, out string) string {
	t.Helper()
	var r struct {
		Report []struct {
			PV []map[string]string `json:"pv"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Report) == 0 || len(r.Report[0].PV) == 0 {
		t.Fatalf("cannot parse pvs JSON (%v):\n%s", err, out)
	}
	return r.Report[0].PV[0]["pv_uuid"]
}

func hexID(prefix byte, i int) string {
	return fmt.Sprintf("%c%031x", prefix, i)
}

func diff(a, b []string) string {
	am, bm := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		am[x] = true
	}
	for _, x := range b {
		bm[x] = true
	}
	var d []string
	for _, x := range a {
		if !bm[x] {
			d = append(d, "-"+x)
		}
	}
	for _, x := range b {
		if !am[x] {
			d = append(d, "+"+x)
		}
	}
	return strings.Join(d, "\n")
}
