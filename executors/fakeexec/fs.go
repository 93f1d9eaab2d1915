package fakeexec

import "strings"

// filesystem is the directory tree of one filesystem. A directory is named
// by its path inside the filesystem, written absolute: "/" is the
// filesystem's root and "/a/b" a directory two levels below it. On the
// node's root filesystem that name is also the directory's path on the node,
// so a mount can share its mount point's string with the directory.
//
// A node holds thousands of brick filesystems of one or two directories
// each, and one root filesystem with thousands of directories. A filesystem
// therefore keeps its directories in a slice, and only once it has more than
// smallFS of them in a map.
type filesystem struct {
	kind  fsKind
	root  dirMeta
	small []dir           // every directory but the root, while byRel is nil
	byRel map[string]*dir // every directory but the root, in a large filesystem
}

// fsKind is the type of a filesystem.
type fsKind uint8

const (
	fsXFS fsKind = iota
	fsExt4
)

// String returns the type's name as mount and mkfs know it.
func (k fsKind) String() string {
	if k == fsExt4 {
		return "ext4"
	}
	return "xfs"
}

// smallFS is the number of directories (besides the root) a filesystem
// keeps in its slice.
const smallFS = 8

// dir is one directory below a filesystem's root.
type dir struct {
	rel string // its path inside the filesystem
	dirMeta
}

type dirMeta struct {
	uid, gid int
	mode     uint32
	children int32 // number of direct subdirectories
}

func newFS(kind fsKind) *filesystem {
	return &filesystem{kind: kind, root: dirMeta{mode: 0o755}}
}

// parentRel returns the parent of directory rel ("/" for a top directory).
func parentRel(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i > 0 {
		return rel[:i]
	}
	return "/"
}

// find returns directory rel (not the root), or nil. The pointer is valid
// until the next add or remove.
func (fs *filesystem) find(rel string) *dir {
	if fs.byRel != nil {
		return fs.byRel[rel]
	}
	for i := range fs.small {
		if fs.small[i].rel == rel {
			return &fs.small[i]
		}
	}
	return nil
}

// get returns the metadata of directory rel, or nil when there is none. The
// pointer is valid until the next add or remove.
func (fs *filesystem) get(rel string) *dirMeta {
	if rel == "/" {
		return &fs.root
	}
	if d := fs.find(rel); d != nil {
		return &d.dirMeta
	}
	return nil
}

// ownRel returns a copy of rel that holds no other string's memory: the
// filesystem keeps it for the directory's lifetime. Every brick filesystem
// has a /brick directory, and they all share one string.
func ownRel(rel string) string {
	if rel == "/brick" {
		return "/brick"
	}
	return strings.Clone(rel)
}

// add creates directory rel (its parent must exist).
func (fs *filesystem) add(rel string) {
	if rel == "/" || fs.find(rel) != nil {
		return
	}
	d := dir{rel: ownRel(rel), dirMeta: dirMeta{mode: 0o755}}
	switch {
	case fs.byRel != nil:
		fs.byRel[d.rel] = &d
	case len(fs.small) < smallFS:
		fs.small = append(fs.small, d)
	default:
		fs.byRel = make(map[string]*dir, 2*smallFS)
		for i := range fs.small {
			x := fs.small[i]
			fs.byRel[x.rel] = &x
		}
		fs.small = nil
		fs.byRel[d.rel] = &d
	}
	if p := fs.get(parentRel(rel)); p != nil {
		p.children++
	}
}

// remove deletes directory rel.
func (fs *filesystem) remove(rel string) {
	if rel == "/" || fs.find(rel) == nil {
		return
	}
	if fs.byRel != nil {
		delete(fs.byRel, rel)
	} else {
		for i := range fs.small {
			if fs.small[i].rel == rel {
				fs.small = append(fs.small[:i], fs.small[i+1:]...)
				break
			}
		}
	}
	if p := fs.get(parentRel(rel)); p != nil {
		p.children--
	}
}

// each calls fn for every directory, the root ("/") included, in no
// particular order. fn must not add or remove directories.
func (fs *filesystem) each(fn func(rel string, m *dirMeta)) {
	fn("/", &fs.root)
	if fs.byRel != nil {
		for rel, d := range fs.byRel {
			fn(rel, &d.dirMeta)
		}
		return
	}
	for i := range fs.small {
		fn(fs.small[i].rel, &fs.small[i].dirMeta)
	}
}

// clone returns a deep copy of fs (a snapshot's filesystem).
func (fs *filesystem) clone() *filesystem {
	c := &filesystem{kind: fs.kind, root: fs.root, small: append([]dir(nil), fs.small...)}
	if fs.byRel != nil {
		c.byRel = make(map[string]*dir, len(fs.byRel))
		for rel, d := range fs.byRel {
			x := *d
			c.byRel[rel] = &x
		}
	}
	return c
}
