package cmdexec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// VGDisplay holds the fields Heketi reads from `lvm vgdisplay -c`. Sizes are KiB.
type VGDisplay struct {
	Name             string
	ExtentSizeKiB    uint64 // field 12
	TotalExtents     uint64 // field 13
	AllocatedExtents uint64 // field 14
	FreeExtents      uint64 // field 15
	UUID             string // field 16
}

// TotalKiB returns total extents × extent size.
func (v VGDisplay) TotalKiB() uint64 { return v.TotalExtents * v.ExtentSizeKiB }

// FreeKiB returns free extents × extent size.
func (v VGDisplay) FreeKiB() uint64 { return v.FreeExtents * v.ExtentSizeKiB }

// UsedKiB returns allocated extents × extent size.
func (v VGDisplay) UsedKiB() uint64 { return v.AllocatedExtents * v.ExtentSizeKiB }

// ErrInvalidVGDisplay is Heketi's error for a vgdisplay -c line with fewer
// than 17 fields.
var ErrInvalidVGDisplay = errors.New("vgdisplay returned an invalid string")

// ParseVGDisplay parses the colon-separated line printed by
// `lvm vgdisplay -c <vg>`, e.g.
//
//	vg_x:r/w:772:-1:0:0:0:-1:0:1:1:4059136:4096:991:0:991:c0guxe-…
func ParseVGDisplay(out string) (VGDisplay, error) {
	f := strings.Split(strings.TrimSpace(out), ":")
	if len(f) < 17 {
		return VGDisplay{}, ErrInvalidVGDisplay
	}
	var v VGDisplay
	v.Name, v.UUID = f[0], f[16]
	for i, dst := range []*uint64{&v.ExtentSizeKiB, &v.TotalExtents, &v.AllocatedExtents, &v.FreeExtents} {
		n, err := strconv.ParseUint(strings.TrimSpace(f[12+i]), 10, 64)
		if err != nil {
			return VGDisplay{}, fmt.Errorf("vgdisplay field %d: %w", 12+i, err)
		}
		*dst = n
	}
	return v, nil
}

// PV is one row of an lvm pvs JSON report. Fields absent from the report are
// empty. Size fields hold the text LVM printed ("4059136.00k" with --units k).
type PV struct {
	Name   string `json:"pv_name"`
	UUID   string `json:"pv_uuid"`
	VGName string `json:"vg_name"`
	Fmt    string `json:"pv_fmt"`
	Attr   string `json:"pv_attr"`
	Size   string `json:"pv_size"`
	Free   string `json:"pv_free"`
}

// VG is one row of an lvm vgs JSON report. The vgs variant used to find a
// device's PV (-o pv_name,pv_uuid,vg_name) fills PVName and PVUUID.
type VG struct {
	Name      string `json:"vg_name"`
	PVName    string `json:"pv_name"`
	PVUUID    string `json:"pv_uuid"`
	PVCount   string `json:"pv_count"`
	LVCount   string `json:"lv_count"`
	SnapCount string `json:"snap_count"`
	Attr      string `json:"vg_attr"`
	Size      string `json:"vg_size"`
	Free      string `json:"vg_free"`
}

// LV is one row of an lvm lvs JSON report.
type LV struct {
	Name            string `json:"lv_name"`
	VGName          string `json:"vg_name"`
	Attr            string `json:"lv_attr"`
	Size            string `json:"lv_size"`
	PoolLV          string `json:"pool_lv"`
	Origin          string `json:"origin"`
	DataPercent     string `json:"data_percent"`
	MetadataPercent string `json:"metadata_percent"`
}

// IsThinPool reports whether the LV is a thin pool (attr starts with 't').
func (l LV) IsThinPool() bool { return strings.HasPrefix(l.Attr, "t") }

// LVMReport is the merged content of an lvm --reportformat json report.
type LVMReport struct {
	PVs []PV
	VGs []VG
	LVs []LV
}

// ParseLVMReport parses the JSON printed by lvm pvs/vgs/lvs with
// --reportformat json (with or without --units k), merging every report entry.
func ParseLVMReport(out string) (*LVMReport, error) {
	var doc struct {
		Report []struct {
			PV []PV `json:"pv"`
			VG []VG `json:"vg"`
			LV []LV `json:"lv"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &doc); err != nil {
		return nil, fmt.Errorf("unable to parse lvm report: %w", err)
	}
	rep := &LVMReport{}
	for _, r := range doc.Report {
		rep.PVs = append(rep.PVs, r.PV...)
		rep.VGs = append(rep.VGs, r.VG...)
		rep.LVs = append(rep.LVs, r.LV...)
	}
	return rep, nil
}

// PVUUID returns the PV uuid of a device report: report[0].pv[0].pv_uuid for
// the pvs variant, or report[0].vg[0].pv_uuid for the vgs variant. It is empty
// when the report has no such row.
func (r *LVMReport) PVUUID() string {
	if len(r.PVs) > 0 {
		return r.PVs[0].UUID
	}
	if len(r.VGs) > 0 {
		return r.VGs[0].PVUUID
	}
	return ""
}

// ParseKiB converts an LVM size printed with --units k ("4059136.00k") to
// whole KiB, ignoring a leading '<'. A size without unit suffix is taken as
// KiB too.
func ParseKiB(s string) (uint64, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "<") // LVM marks rounded-down sizes with '<'
	t = strings.TrimSuffix(strings.TrimSuffix(t, "k"), "K")
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || !(f >= 0 && f <= 1<<62) { // also rejects NaN
		return 0, fmt.Errorf("invalid lvm size %q", s)
	}
	return uint64(f), nil
}

// ParseThinCount parses `lvm lvs --noheadings --options=thin_count <vg>/<tp>`
// (the trimmed output, e.g. "1"). Heketi removes the pool only when it is 0.
func ParseThinCount(out string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid thin_count %q", strings.TrimSpace(out))
	}
	return n, nil
}

// ParseUdevadmSymlinks turns `udevadm info --query=symlink --name=<dev>`
// output into device paths: each whitespace-separated name gets "/dev/"
// prepended, /dev/disk/by-id/lvm-pv-uuid-* links are dropped and device (the
// name the device was added with) is appended when not already present. The
// order of udevadm's output varies between calls, so callers must not rely on
// it.
func ParseUdevadmSymlinks(out, device string) []string {
	var paths []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(out) {
		p := "/dev/" + f
		if strings.HasPrefix(p, PVUUIDLinkPrefix) || seen[p] {
			continue
		}
		seen[p] = true
		paths = append(paths, p)
	}
	if device != "" && !seen[device] {
		paths = append(paths, device)
	}
	return paths
}

// IsLVMNotFound reports whether an LVM error text says the object does not
// exist ("not found", "Failed to find"); brick destroy tolerates these.
func IsLVMNotFound(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "not found") || strings.Contains(m, "failed to find")
}
