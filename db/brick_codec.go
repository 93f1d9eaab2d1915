package db

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bricks are the most numerous records (three per replica-3 volume), and most
// of a brick's text repeats what its ids already say: the mount path is
// /var/lib/heketi/mounts/vg_<device>/brick_<brick>/brick, the thin pool
// tp_<brick>, the LV brick_<brick>, and the id is the record's key. Schema 2
// stores a brick without those: a path, pool or LV equal to the name its ids
// give is left out, and any other value, including "", is stored as is. At
// 10,000 volumes this shrinks a brick record from about 460 to about 160
// bytes.

// storedBrick is a Brick as schema 2 stores it. A nil pointer means "the name
// derived from the ids". Its JSON names are short because they repeat in
// every one of tens of thousands of records; the field names say what each
// holds, and the three parent ids keep the names the index code decodes
// (brickKeys: "volume", "device").
type storedBrick struct {
	VolumeID            string  `json:"volume"`
	DeviceID            string  `json:"device"`
	NodeID              string  `json:"node"`
	Path                *string `json:"path,omitempty"`
	SizeKiB             uint64  `json:"kib"`
	TpSizeKiB           uint64  `json:"tp_kib"`
	PoolMetadataSizeKiB uint64  `json:"meta_kib"`
	ThinPool            *string `json:"tp,omitempty"`
	LV                  *string `json:"lv,omitempty"`
	SubType             int     `json:"type"`
	PendingOpID         string  `json:"pending_op,omitempty"`
}

// Names a brick gets from its ids when nothing else was recorded; they match
// executors/cmdexec (BrickPath, ThinPoolName, BrickLVName) and Heketi.
func defaultBrickPath(deviceID, brickID string) string {
	return "/var/lib/heketi/mounts/vg_" + deviceID + "/brick_" + brickID + "/brick"
}
func defaultThinPool(brickID string) string { return "tp_" + brickID }
func defaultBrickLV(brickID string) string  { return "brick_" + brickID }

// unlessDefault returns nil when v is the derived name, else a pointer to v.
func unlessDefault(v, derived string) *string {
	if v == derived {
		return nil
	}
	return &v
}

// orDefault is the inverse of unlessDefault.
func orDefault(p *string, derived string) string {
	if p == nil {
		return derived
	}
	return *p
}

// encodeBrick is the schema 2 encoding of b.
func encodeBrick(b *Brick) ([]byte, error) {
	return json.Marshal(storedBrick{
		VolumeID:            b.VolumeID,
		DeviceID:            b.DeviceID,
		NodeID:              b.NodeID,
		Path:                unlessDefault(b.Path, defaultBrickPath(b.DeviceID, b.ID)),
		SizeKiB:             b.SizeKiB,
		TpSizeKiB:           b.TpSizeKiB,
		PoolMetadataSizeKiB: b.PoolMetadataSizeKiB,
		ThinPool:            unlessDefault(b.ThinPool, defaultThinPool(b.ID)),
		LV:                  unlessDefault(b.LV, defaultBrickLV(b.ID)),
		SubType:             b.SubType,
		PendingOpID:         b.PendingOpID,
	})
}

// decodeBrick reads the schema 2 record of brick id.
func decodeBrick(id string, data []byte) (*Brick, error) {
	var s storedBrick
	if !parseBrick(data, &s) {
		// A separate variable, so that only this path allocates it.
		var slow storedBrick
		if err := json.Unmarshal(data, &slow); err != nil {
			return nil, err
		}
		s = slow
	}
	return &Brick{
		ID:                  id,
		VolumeID:            s.VolumeID,
		DeviceID:            s.DeviceID,
		NodeID:              s.NodeID,
		Path:                orDefault(s.Path, defaultBrickPath(s.DeviceID, id)),
		SizeKiB:             s.SizeKiB,
		TpSizeKiB:           s.TpSizeKiB,
		PoolMetadataSizeKiB: s.PoolMetadataSizeKiB,
		ThinPool:            orDefault(s.ThinPool, defaultThinPool(id)),
		LV:                  orDefault(s.LV, defaultBrickLV(id)),
		SubType:             s.SubType,
		PendingOpID:         s.PendingOpID,
	}, nil
}

// compactRecordsV2 is migration step 2: it rewrites every brick record of
// schema 1 (the full JSON of Brick, where an absent "lv" meant "") in the
// schema 2 encoding, and drops the id from every volume record.
func compactRecordsV2(tx *bolt.Tx) error {
	if err := rewriteBucket(tx, bBricks, func(key string, v []byte) ([]byte, error) {
		var old Brick
		if err := json.Unmarshal(v, &old); err != nil {
			return nil, err
		}
		old.ID = key
		return encodeBrick(&old)
	}); err != nil {
		return err
	}
	return rewriteBucket(tx, bVolumes, func(_ string, v []byte) ([]byte, error) {
		var vol Volume
		if err := json.Unmarshal(v, &vol); err != nil {
			return nil, err
		}
		vol.ID = ""
		return json.Marshal(&vol)
	})
}

// rewriteBucket replaces every value of bucket id with what recode makes of it.
func rewriteBucket(tx *bolt.Tx, id bucketID, recode func(key string, v []byte) ([]byte, error)) error {
	b := tx.Bucket(bucketNames[id])
	if b == nil {
		return fmt.Errorf("bucket %s is missing", bucketNames[id])
	}
	type rewrite struct {
		key  []byte
		data []byte
	}
	var out []rewrite
	err := b.ForEach(func(k, v []byte) error {
		data, err := recode(string(k), v)
		if err != nil {
			return fmt.Errorf("recode %s record %s: %w", bucketNames[id], k, err)
		}
		// Keys from ForEach live in the mmap: copy them, and write after
		// the walk (no Put during ForEach).
		out = append(out, rewrite{key: append([]byte(nil), k...), data: data})
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range out {
		if err := b.Put(r.key, r.data); err != nil {
			return err
		}
	}
	return nil
}
