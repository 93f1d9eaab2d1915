package db

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/basalt-storage/basalt/internal/errs"
	"github.com/basalt-storage/basalt/internal/idgen"
	bolt "go.etcd.io/bbolt"
)

// DefaultLockTimeout is how long Open waits for another process to release
// the file lock when Options.LockTimeout is zero.
const DefaultLockTimeout = 3 * time.Second

// ErrInUse is wrapped by the error Open returns when another process (or
// another open in this process) holds the database file.
var ErrInUse = errors.New("database in use")

// ErrNewerSchema is wrapped by the error Open returns for a file written by a
// newer Basalt, whose schema version is above SchemaVersion.
var ErrNewerSchema = errors.New("database schema is newer than this program")

// Options tune Open.
type Options struct {
	// ReadOnly opens the file with a shared lock and refuses every Update.
	// The file must exist and be at SchemaVersion (read-only opens never
	// migrate).
	ReadOnly bool
	// LockTimeout bounds the wait for the file lock; zero or negative means
	// DefaultLockTimeout. Open never waits without bound.
	LockTimeout time.Duration
}

// BoltStore is the bbolt implementation of Store. It is safe for concurrent
// use: any number of View calls run in parallel with each other and with at
// most one Update.
type BoltStore struct {
	bdb      *bolt.DB
	path     string
	readOnly bool
	group    groupCommit
}

var _ Store = (*BoltStore)(nil)

// allocStep is how far ahead of its data bbolt grows the file once it is
// past its initial power-of-two sizes.
const allocStep = 1 << 20

// Open opens, or creates with its parent directory, the database file at path
// (mode 0600). A new file is initialised at SchemaVersion; an older file is
// migrated step by step; a newer one is refused (the error wraps
// ErrNewerSchema). If the file is locked, Open gives up after the lock
// timeout with an error that wraps ErrInUse.
func Open(path string, opts Options) (*BoltStore, error) {
	return open(path, opts, migrations)
}

// open is Open with an explicit migration history, so tests can add steps.
func open(path string, opts Options, steps []Migration) (*BoltStore, error) {
	codeVersion, err := checkMigrations(steps)
	if err != nil {
		return nil, err
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if opts.ReadOnly {
		// bbolt would fail with a bare "no such file"; say what was opened.
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open database %s read-only: %w", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  timeout,
		ReadOnly: opts.ReadOnly,
		// The freelist is rebuilt by scanning the file at open (fast for
		// files of Basalt's size) instead of being rewritten on every
		// commit; the hashmap freelist keeps allocation O(1). Data and
		// meta pages are still fsynced on every commit.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, &errs.Error{
			Kind: errs.Unavailable,
			Msg:  fmt.Sprintf("database %s is in use by another process (is another basalt server running?)", path),
			Err:  ErrInUse,
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Past 16 MiB bbolt grows the file 16 MiB ahead of its data; a
	// 10,000-volume database is about 25 MB, so a smaller step keeps the
	// file close to its contents at the cost of a few more truncate+fsync
	// calls as it grows.
	bdb.AllocSize = allocStep
	s := &BoltStore{bdb: bdb, path: path, readOnly: opts.ReadOnly, group: groupCommit{db: bdb}}
	if err := s.init(codeVersion, steps); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return s, nil
}

// init checks the stored schema version, migrates and fills in the meta
// attributes a new file lacks.
func (s *BoltStore) init(codeVersion int, steps []Migration) error {
	var version int
	var foreign []byte
	err := s.bdb.View(func(tx *bolt.Tx) error {
		var err error
		if version, err = storedVersion(tx); err != nil {
			return err
		}
		if version == 0 {
			// Step 1 writes its buckets and the version in one
			// transaction, so buckets without a version were written
			// by something else (a Heketi file has CLUSTER, NODE, ...).
			k, _ := tx.Cursor().First()
			foreign = bytes.Clone(k) // k lives in the mmap only while tx is open
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	switch {
	case foreign != nil:
		return fmt.Errorf("database %s is not a basalt database (it has bucket %q but no schema version); a heketi.db must be imported, not opened", s.path, foreign)
	case version > codeVersion:
		return &errs.Error{
			Kind: errs.Internal,
			Msg: fmt.Sprintf("database %s has schema version %d but this basalt supports up to %d; run a newer basalt or restore a backup",
				s.path, version, codeVersion),
			Err: ErrNewerSchema,
		}
	case s.readOnly && version == 0:
		return fmt.Errorf("database %s is empty; it must be created by a read-write open", s.path)
	case s.readOnly && version < codeVersion:
		return fmt.Errorf("database %s has schema version %d and needs migrating to %d; open it read-write once", s.path, version, codeVersion)
	case s.readOnly:
		return s.checkBuckets()
	}
	if _, err := migrate(s.bdb, steps); err != nil {
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	if err := s.fillMeta(); err != nil {
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	return s.checkBuckets()
}

// checkBuckets verifies that every bucket of the schema exists, so the typed
// readers and writers can rely on it.
func (s *BoltStore) checkBuckets() error {
	return s.bdb.View(func(tx *bolt.Tx) error {
		for _, name := range bucketNames {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("database %s has no bucket %s", s.path, name)
			}
		}
		return nil
	})
}

// fillMeta creates the generation id and creation time of a new file. It only
// opens a write transaction when something is missing.
func (s *BoltStore) fillMeta() error {
	missing := false
	if err := s.bdb.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNames[bMeta])
		missing = b == nil || b.Get([]byte(MetaGenerationID)) == nil || b.Get([]byte(MetaCreatedAt)) == nil
		return nil
	}); err != nil || !missing {
		return err
	}
	return s.bdb.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketNames[bMeta])
		if err != nil {
			return err
		}
		if b.Get([]byte(MetaGenerationID)) == nil {
			if err := b.Put([]byte(MetaGenerationID), []byte(idgen.New())); err != nil {
				return err
			}
		}
		if b.Get([]byte(MetaCreatedAt)) == nil {
			now := time.Now().UTC().Format(time.RFC3339)
			if err := b.Put([]byte(MetaCreatedAt), []byte(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Path returns the database file's path.
func (s *BoltStore) Path() string { return s.path }

// View runs fn against a consistent read-only snapshot.
func (s *BoltStore) View(fn func(Reader) error) error {
	return s.bdb.View(func(tx *bolt.Tx) error {
		return fn(&reader{tx: tx})
	})
}

// Update runs fn in one read-write transaction: if fn returns an error (or
// panics) nothing it wrote is kept. A read-only store refuses with an error of
// kind errs.Unavailable.
func (s *BoltStore) Update(fn func(Writer) error) error {
	if s.readOnly {
		return &errs.Error{
			Kind: errs.Unavailable,
			Msg:  fmt.Sprintf("database %s is open read-only", s.path),
			Err:  bolt.ErrDatabaseReadOnly,
		}
	}
	return s.bdb.Update(func(tx *bolt.Tx) error {
		return fn(&writer{reader{tx: tx}})
	})
}

// Batch is Update with group commit: concurrent Batch calls are coalesced
// into one transaction and one fsync (groupcommit.go), which raises write
// throughput when many requests write at once and fsync is slow. The price:
// fn may run more than once (when another fn of the same batch fails, the
// batch is rolled back and retried), so fn must do nothing but read and write
// through the Writer, and its error, if any, is its own. Prefer Update unless
// a benchmark shows the fsync rate is the bottleneck.
func (s *BoltStore) Batch(fn func(Writer) error) error {
	if s.readOnly {
		return s.Update(fn)
	}
	return s.group.do(func(tx *bolt.Tx) error {
		return fn(&writer{reader{tx: tx}})
	})
}

// Backup writes a consistent copy of the whole database file to w, taken from
// a read transaction (writers are not blocked), and returns the bytes
// written. The copy opens with Open like the original.
func (s *BoltStore) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.bdb.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Close waits for running transactions and releases the file and its lock.
func (s *BoltStore) Close() error {
	return s.bdb.Close()
}
