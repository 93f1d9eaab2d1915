package db

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// codecBricks are bricks whose names are derived (the common case), custom
// (a clone's brick), or empty (a brick recorded before its LV was known).
func codecBricks() []*Brick {
	normal := &Brick{ID: "0a1b", VolumeID: "v1", DeviceID: "d1", NodeID: "n1",
		Path: defaultBrickPath("d1", "0a1b"), SizeKiB: 1 << 20, TpSizeKiB: 1 << 20, PoolMetadataSizeKiB: 8192,
		ThinPool: "tp_0a1b", LV: "brick_0a1b", SubType: BrickSubTypeNormal}
	clone := *normal
	clone.ID, clone.Path, clone.ThinPool, clone.LV = "c1", "/var/lib/heketi/mounts/vg_d1/brick_0a1b/brick", "tp_0a1b", "4f3e_0"
	empty := *normal
	empty.ID, empty.Path, empty.ThinPool, empty.LV, empty.PendingOpID = "e1", "", "", "", "op1"
	return []*Brick{normal, &clone, &empty}
}

func TestBrickCodecRoundTrip(t *testing.T) {
	for _, b := range codecBricks() {
		data, err := encodeBrick(b)
		if err != nil {
			t.Fatalf("encode %s: %v", b.ID, err)
		}
		got, err := decodeBrick(b.ID, data)
		if err != nil {
			t.Fatalf("decode %s: %v", b.ID, err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Errorf("brick %s: round trip changed it:\n got  %+v\n want %+v (stored %s)", b.ID, got, b, data)
		}
	}
	// The common case stores none of the derived names, nor the id.
	data, _ := encodeBrick(codecBricks()[0])
	for _, s := range []string{`"path"`, `"tp"`, `"lv"`, `"id"`, "0a1b"} {
		if strings.Contains(string(data), s) {
			t.Errorf("compact record of a brick with derived names: expected no %s, got %s", s, data)
		}
	}
	if _, err := decodeBrick("x", []byte("{")); err == nil {
		t.Errorf("decode of a truncated record: expected an error, got none")
	}
}

// TestMigrateToV2 writes bricks and volumes in schema 1's encoding, opens the file
// with the current code and checks every brick reads back unchanged and is
// stored compactly.
func TestMigrateToV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heketi.db")
	s, err := open(path, Options{}, migrations[:1])
	if err != nil {
		t.Fatalf("open at schema 1: %v", err)
	}
	update(t, s, topology)
	want := map[string]*Brick{}
	for _, br := range codecBricks() {
		br.VolumeID, br.DeviceID, br.NodeID = "v1", "d1", "n1"
		if br.Path != "" {
			br.Path = defaultBrickPath("d1", br.ID)
		}
		want[br.ID] = br
		update(t, s, func(w Writer) error { return w.PutBrick(br) }) // for the index entries
	}
	var v1 *Volume
	if err := s.View(func(r Reader) error { v1, err = r.Volume("v1"); return err }); err != nil {
		t.Fatalf("Volume(v1): %v", err)
	}
	// Then the records as schema 1 stored them: the plain JSON of Brick,
	// and volumes with their id.
	if err := s.bdb.Update(func(tx *bolt.Tx) error {
		old, _ := json.Marshal(v1)
		if !strings.Contains(string(old), `"id":"v1"`) {
			return fmt.Errorf("schema 1 volume record must hold its id, got %s", old)
		}
		if err := tx.Bucket([]byte(bucketVolumes)).Put([]byte("v1"), old); err != nil {
			return err
		}
		b := tx.Bucket([]byte(bucketBricks))
		for _, br := range want {
			v1, _ := json.Marshal(br)
			if err := b.Put([]byte(br.ID), v1); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("write schema 1 bricks: %v", err)
	}
	// A schema 1 brick without an "lv" field meant an empty LV.
	if raw := string(rawGet(t, s, bucketBricks, []byte("e1"))); strings.Contains(raw, `"lv"`) {
		t.Fatalf("schema 1 record with an empty LV: expected no lv field, got %s", raw)
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("Open migrates to schema %d: %v", SchemaVersion, err)
	}
	defer s.Close()
	if got := string(rawGet(t, s, bucketMeta, []byte(MetaSchemaVersion))); got != curVer {
		t.Errorf("schema version after migration: expected %s, got %s", curVer, got)
	}
	for id, w := range want {
		var got *Brick
		if err := s.View(func(r Reader) error { got, err = r.Brick(id); return err }); err != nil {
			t.Fatalf("Brick(%s) after migration: %v", id, err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("brick %s after migration:\n got  %+v\n want %+v", id, got, w)
		}
		if raw := string(rawGet(t, s, bucketBricks, []byte(id))); strings.Contains(raw, `"id"`) {
			t.Errorf("brick %s after migration: expected the compact encoding, got %s", id, raw)
		}
	}
	// Volumes lose their stored id and keep everything else.
	if raw := string(rawGet(t, s, bucketVolumes, []byte("v1"))); strings.Contains(raw, `"id"`) || !strings.Contains(raw, `"cluster"`) {
		t.Errorf("volume v1 after migration: expected a record without its id, got %s", raw)
	}
	var vol *Volume
	if err := s.View(func(r Reader) error { vol, err = r.Volume("v1"); return err }); err != nil || vol.ID != "v1" || vol.ClusterID == "" {
		t.Errorf("Volume(v1) after migration: expected id v1 with its cluster, got %+v, %v", vol, err)
	}
	// The topology's own bricks, written by PutBrick at schema 1, survive too.
	checkIndexes(t, s)
}
