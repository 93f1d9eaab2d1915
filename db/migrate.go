package db

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Migration is one step of the schema's history. Apply changes a file at
// version Version-1 into version Version; it runs in its own write
// transaction, and the new version is stored in that same transaction, so a
// crash leaves the file either before or after the step, never half-way.
//
// Rules for writing a step: append it to migrations with the next version and
// bump SchemaVersion; never edit or reorder a released step; work only through
// tx (no I/O outside the file); be correct on an empty file as well as a full
// one, since a new file runs every step from 1.
type Migration struct {
	Version int
	Name    string
	Apply   func(tx *bolt.Tx) error
}

// migrations is the schema's history, in order. The last step's version is
// SchemaVersion.
var migrations = []Migration{
	{Version: 1, Name: "initial layout", Apply: createLayoutV1},
	{Version: 2, Name: "compact brick and volume records", Apply: compactRecordsV2},
}

// createLayoutV1 creates the buckets of schema version 1.
func createLayoutV1(tx *bolt.Tx) error {
	for _, name := range bucketNames {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// checkMigrations verifies that steps are numbered 1, 2, 3, ... and returns
// the version the last one produces.
func checkMigrations(steps []Migration) (int, error) {
	for i, m := range steps {
		if m.Version != i+1 {
			return 0, fmt.Errorf("migration %q has version %d, want %d", m.Name, m.Version, i+1)
		}
		if m.Apply == nil {
			return 0, fmt.Errorf("migration %d (%s) has no Apply", m.Version, m.Name)
		}
	}
	return len(steps), nil
}

// storedVersion reads the schema version recorded in tx's meta bucket; 0 means
// the file has never been initialised.
func storedVersion(tx *bolt.Tx) (int, error) {
	b := tx.Bucket(bucketNames[bMeta])
	if b == nil {
		return 0, nil
	}
	v := b.Get([]byte(MetaSchemaVersion))
	if v == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("invalid %s %q in bucket %s", MetaSchemaVersion, v, bucketMeta)
	}
	return n, nil
}

// setVersion records version in tx's meta bucket, creating the bucket if
// needed.
func setVersion(tx *bolt.Tx, version int) error {
	b, err := tx.CreateBucketIfNotExists(bucketNames[bMeta])
	if err != nil {
		return err
	}
	return b.Put([]byte(MetaSchemaVersion), []byte(strconv.Itoa(version)))
}

// migrate runs every step of steps above the file's stored version, each in
// its own write transaction, and returns how many ran. The caller has already
// refused files newer than steps' last version.
func migrate(bdb *bolt.DB, steps []Migration) (int, error) {
	var current int
	if err := bdb.View(func(tx *bolt.Tx) (err error) {
		current, err = storedVersion(tx)
		return err
	}); err != nil {
		return 0, err
	}
	ran := 0
	for _, m := range steps {
		if m.Version <= current {
			continue // no write transaction (and no fsync) for a file that is up to date
		}
		applied := false
		err := bdb.Update(func(tx *bolt.Tx) error {
			// Re-read inside the transaction: the decision and the
			// write must see the same state.
			v, err := storedVersion(tx)
			if err != nil {
				return err
			}
			if v >= m.Version {
				return nil
			}
			if v != m.Version-1 {
				return fmt.Errorf("schema version %d cannot be migrated by step %d", v, m.Version)
			}
			if err := m.Apply(tx); err != nil {
				return err
			}
			applied = true
			return setVersion(tx, m.Version)
		})
		if err != nil {
			return ran, fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
		if applied {
			ran++
		}
	}
	return ran, nil
}
