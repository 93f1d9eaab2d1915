package cmdexec

import (
	"slices"
	"testing"
)

// The gluster-block outputs below are SYNTHETIC: hand-written in the shape of
// gluster-block's --json output (no gluster-block capture exists yet).
const (
	syntheticBlockCreateOK   = `{ "IQN":"iqn.2016-12.org.gluster-block:3c5b3e1a-1d2f-4e5a-9b8c-7d6e5f4a3b2c", "USERNAME":"3c5b3e1a-1d2f-4e5a-9b8c-7d6e5f4a3b2c", "PASSWORD":"a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6", "PORTAL(S)":[ "10.0.0.4:3260", "10.0.0.2:3260", "10.0.0.3:3260" ], "RESULT":"SUCCESS" }`
	syntheticBlockCreateFail = `{ "RESULT":"FAIL", "errCode":17, "errMsg":"BLOCK with name: 'blockvol_x' already EXIST" }`
	syntheticBlockDeleteGone = `{ "RESULT":"FAIL", "errCode":2, "errMsg":"block vol_h/blockvol_x doesn't exist" }`
	syntheticBlockModifyOK   = `{ "IQN":"iqn.2016-12.org.gluster-block:x", "SIZE":"2.0 GiB", "SUCCESSFUL ON":[ "10.0.0.4", "10.0.0.2" ], "RESULT":"SUCCESS" }`
	syntheticBlockInfo       = `{ "NAME":"blockvol_x", "VOLUME":"vol_h", "GBID":"3c5b3e1a-1d2f-4e5a-9b8c-7d6e5f4a3b2c", "SIZE":"1.0 GiB", "HA":3, "PASSWORD":"", "EXPORTED ON":[ "10.0.0.4", "10.0.0.2", "10.0.0.3" ], "RESIZE FAILED ON":[ "10.0.0.3" ] }`
	syntheticBlockList       = `{ "blocks":[ "blockvol_a", "blockvol_b" ], "RESULT":"SUCCESS" }`
)

func TestParseBlockCreate(t *testing.T) {
	res, err := ParseBlockCreate(syntheticBlockCreateOK)
	if err != nil {
		t.Fatal(err)
	}
	if res.IQN != "iqn.2016-12.org.gluster-block:3c5b3e1a-1d2f-4e5a-9b8c-7d6e5f4a3b2c" || res.Password != "a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6" ||
		res.Username == "" || len(res.Portals) != 3 || res.Failed() {
		t.Errorf("result %+v", res)
	}
	_, err = ParseBlockCreate(syntheticBlockCreateFail)
	if err == nil || err.Error() != "Failed to create block volume: BLOCK with name: 'blockvol_x' already EXIST" {
		t.Errorf("err %v", err)
	}
	res, err = ParseBlockResult(syntheticBlockDeleteGone)
	if err != nil || !res.Failed() || res.ErrCode != 2 || !IsBlockNotExist(res.ErrMsg) {
		t.Errorf("delete of a missing block: %+v %v", res, err)
	}
	res, err = ParseBlockResult(syntheticBlockModifyOK)
	if err != nil || res.Size != "2.0 GiB" || !slices.Equal(res.SuccessfulOn, []string{"10.0.0.4", "10.0.0.2"}) {
		t.Errorf("modify %+v %v", res, err)
	}
}

func TestParseBlockInfoAndList(t *testing.T) {
	info, err := ParseBlockInfo(syntheticBlockInfo)
	if err != nil || info.Name != "blockvol_x" || info.Volume != "vol_h" || info.HA != 3 || len(info.ExportedOn) != 3 ||
		!slices.Equal(info.ResizeFailedOn, []string{"10.0.0.3"}) {
		t.Fatalf("info %+v %v", info, err)
	}
	if n, err := info.SizeBytes(); err != nil || n != 1<<30 {
		t.Errorf("size %d %v, want 1 GiB", n, err)
	}
	list, err := ParseBlockList(syntheticBlockList)
	if err != nil || !slices.Equal(list, []string{"blockvol_a", "blockvol_b"}) {
		t.Errorf("list %q %v", list, err)
	}
	if _, err := ParseBlockList(syntheticBlockCreateFail); err == nil {
		t.Error("failed list accepted")
	}
}

func TestParseHumanSize(t *testing.T) {
	for in, want := range map[string]uint64{"1.0 GiB": 1 << 30, "512.0 MiB": 512 << 20, "10GiB": 10 << 30, "1.5 KiB": 1536, "3 B": 3} {
		if got, err := ParseHumanSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GiB", "1.0 GB", "x1", "1..0 GiB"} {
		if _, err := ParseHumanSize(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
