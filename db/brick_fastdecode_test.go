package db

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestParseBrickReadsWhatEncodeBrickWrites: every record encodeBrick makes
// takes the fast path and reads back as encoding/json reads it.
func TestParseBrickReadsWhatEncodeBrickWrites(t *testing.T) {
	bricks := codecBricks()
	odd := *bricks[1]
	odd.ID, odd.Path, odd.LV = "odd", "/mnt/bricks/é/brick", "lv-ü"
	odd.SizeKiB, odd.SubType = 1<<62, 2
	bricks = append(bricks, &odd)
	for _, b := range bricks {
		data, err := encodeBrick(b)
		if err != nil {
			t.Fatal(err)
		}
		var fast, slow storedBrick
		if !parseBrick(data, &fast) {
			t.Errorf("brick %s: the fast path refused %s", b.ID, data)
			continue
		}
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("brick %s: fast %+v, encoding/json %+v", b.ID, fast, slow)
		}
	}
}

// TestParseBrickRefusesWhatItCannotRead: the shapes left to encoding/json,
// and records that are not JSON at all.
func TestParseBrickRefusesWhatItCannotRead(t *testing.T) {
	for _, data := range []string{
		``, `{`, `[]`, `{"volume":"a",}`, `{"volume" :"a"}`, `{ "volume":"a"}`,
		`{"volume":"a\"b"}`, `{"volume":"a\u00e9"}`, `{"volume":null}`, `{"kib":-1}`,
		`{"kib":1.5}`, `{"kib":1e3}`, `{"kib":01}`, `{"kib":"1"}`, `{"volume":1}`,
		`{"Volume":"a"}`, `{"other":"a"}`, `{"kib":99999999999999999999}`,
		"{\"volume\":\"a\x01\"}", "{\"volume\":\"\xff\"}", `{"type":4294967296}`,
	} {
		var s storedBrick
		if parseBrick([]byte(data), &s) {
			t.Errorf("fast path accepted %q as %+v", data, s)
		}
	}
	// A refused record still decodes when it is valid JSON of a brick.
	b, err := decodeBrick("x", []byte(`{ "volume": "v\u00e9", "kib": 5, "path": null }`))
	if err != nil || b.VolumeID != "vé" || b.SizeKiB != 5 || b.Path != defaultBrickPath("", "x") {
		t.Errorf("fallback decode: %+v %v", b, err)
	}
}

// FuzzParseBrick: whatever the fast path accepts, encoding/json accepts too
// and reads identically. (go test -fuzz FuzzParseBrick ./db explores; the
// seeds run with every go test.)
func FuzzParseBrick(f *testing.F) {
	for _, b := range codecBricks() {
		data, _ := encodeBrick(b)
		f.Add(data)
	}
	f.Add([]byte(`{"volume":"","kib":0,"type":0}`))
	f.Add([]byte(`{"path":"/é","tp":"","lv":"x","pending_op":"p","tp_kib":7,"meta_kib":8}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast storedBrick
		if !parseBrick(data, &fast) {
			return
		}
		var slow storedBrick
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", data, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", data, fast, slow)
		}
	})
}

// BenchmarkDecodeBrick compares reading a typical brick record through the
// fast path with encoding/json.
func BenchmarkDecodeBrick(b *testing.B) {
	data, _ := encodeBrick(&Brick{ID: "5f1c3e1a9b7d4c2e8f6a0b1c2d3e4f50",
		VolumeID: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", DeviceID: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
		NodeID: "00112233445566778899aabbccddeeff", SizeKiB: 1 << 20, TpSizeKiB: 1 << 20, PoolMetadataSizeKiB: 8192})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeBrick("5f1c3e1a9b7d4c2e8f6a0b1c2d3e4f50", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var s storedBrick
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
