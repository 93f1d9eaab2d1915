package cmdexec

import "testing"

// FuzzParseVgdisplay checks that ParseVGDisplay never panics and that what it
// accepts is consistent. Run with: go test -fuzz=FuzzParseVgdisplay ./executors/cmdexec/
func FuzzParseVgdisplay(f *testing.F) {
	f.Add("  vg_0123456789abcdef0123456789abcdef:r/w:772:-1:0:0:0:-1:0:1:1:4059136:4096:991:0:991:c0guxe-lryg-91oT-EWDS-vKKd-QZnf-o2FU1B\n")
	f.Add("vg_x:r/w:772:-1:0:0:0:-1:0:1:1:524156928:4096:127968:0:127968:uuid")
	f.Add("::::::::::::::::")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		vg, err := ParseVGDisplay(s)
		if err == nil && vg.TotalKiB() != vg.TotalExtents*vg.ExtentSizeKiB {
			t.Fatalf("inconsistent %+v", vg)
		}
	})
}

// FuzzParsers feeds arbitrary text to every parser; none may panic.
func FuzzParsers(f *testing.F) {
	f.Add(`<cliOutput><opRet>0</opRet><volInfo><volumes><volume><name>v</name></volume></volumes></volInfo></cliOutput>`)
	f.Add(`{"report":[{"pv":[{"pv_name":"/dev/vdb"}]}]}`)
	f.Add("a on /b type xfs (rw)\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseLVMReport(s)
		_, _ = ParseThinCount(s)
		_ = ParseUdevadmSymlinks(s, "/dev/sdb")
		_ = ParseMount(s)
		_ = ParseFstab(s)
		_, _ = ParseVolumeInfo(s)
		_, _ = ParseVolumeStatus(s)
		_, _ = ParseHealInfo(s)
		_, _ = ParseSnapshotCreate(s)
		_, _ = ParseSnapshotClone(s)
		_, _ = ParseSnapshotDelete(s)
		_, _ = ParseSnapshotList(s)
		_, _ = ParseBlockCreate(s)
		_, _ = ParseBlockInfo(s)
		_, _ = ParseBlockList(s)
		_, _ = ParseHumanSize(s)
		_, _ = ParseKiB(s)
	})
}
