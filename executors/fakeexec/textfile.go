package fakeexec

import "strings"

// textFile is a text file of a fake node (/etc/fstab and its sed backups),
// kept so that the edits Basalt makes cost no more than the lines they touch,
// however long the file: a node of a 10,000-volume cluster has 10,000 fstab
// lines, and every brick delete runs `sed -i.save "/brick_<id>/d" /etc/fstab`.
//
//   - Appending a line (awk '... >> file') is O(1).
//   - Deleting the lines that contain a brick_<32 hex> pattern finds them
//     through an index and marks them removed; they are dropped from the slice
//     only when removed lines outnumber present ones (amortised O(1)).
//   - The backup that sed -i.save leaves is a view of the file as it was,
//     not a copy: lines carry the edit epoch that added and removed them,
//     and the view shows those present at its epoch. A view becomes a copy
//     only when it is written to.
type textFile struct {
	lines   []*fileLine // in file order, with removed lines not yet dropped
	removed int         // how many of lines are removed
	epoch   uint64      // advanced by every backup; stamps adds and removals
	index   brickLineIndex
	views   []*textFile // backups that show this file at an earlier epoch

	// A backup view: the contents of src at epoch at. lines is unused.
	src *textFile
	at  uint64
}

// fileLine is one line of a textFile.
type fileLine struct {
	text    string
	added   uint64 // epoch of the append
	removed uint64 // epoch of the deletion; 0 while present
	gone    bool
}

// brickLineIndex finds, without scanning, the lines of a file that contain a
// given "brick_<32 hex>" string: Basalt's fstab clean-up deletes lines by
// exactly such a pattern, once per brick. A line contains the pattern as a
// substring exactly when one of the brick_<32 hex> strings starting in it
// equals the pattern, and those are what the index records.
type brickLineIndex map[string][]*fileLine

func newTextFile(lines ...string) *textFile {
	f := &textFile{}
	for _, l := range lines {
		f.append(l)
	}
	return f
}

// visibleAt reports whether l is in the file as it was at epoch t.
func (l *fileLine) visibleAt(t uint64) bool {
	return l.added <= t && (!l.gone || l.removed > t)
}

// Lines returns the file's lines in order (none for a nil file: a node
// without that file).
func (f *textFile) Lines() []string {
	if f == nil {
		return nil
	}
	if f.src != nil {
		var out []string
		for _, l := range f.src.lines {
			if l.visibleAt(f.at) {
				out = append(out, l.text)
			}
		}
		return out
	}
	out := make([]string, 0, len(f.lines)-f.removed)
	for _, l := range f.lines {
		if !l.gone {
			out = append(out, l.text)
		}
	}
	return out
}

// own turns a backup view into a file of its own (before it is written).
func (f *textFile) own() {
	if f.src == nil {
		return
	}
	lines := f.Lines()
	f.src.dropView(f)
	f.src, f.at = nil, 0
	for _, l := range lines {
		f.append(l)
	}
}

// dropView forgets v, a view of f that is being replaced or written to.
func (f *textFile) dropView(v *textFile) {
	for i, x := range f.views {
		if x == v {
			f.views = append(f.views[:i], f.views[i+1:]...)
			return
		}
	}
}

// append adds a line at the end.
func (f *textFile) append(text string) {
	f.own()
	l := &fileLine{text: text, added: f.epoch}
	f.lines = append(f.lines, l)
	if f.index != nil {
		f.index.add(l)
	}
}

// backup returns a view of the file as it is now; later edits do not show
// in it. replaced is the backup it supersedes (the old file of that name),
// or nil.
func (f *textFile) backup(replaced *textFile) *textFile {
	f.own()
	if replaced != nil && replaced.src != nil {
		replaced.src.dropView(replaced)
	}
	v := &textFile{src: f, at: f.epoch}
	f.views = append(f.views, v)
	f.epoch++
	return v
}

// remove marks l removed.
func (f *textFile) remove(l *fileLine) {
	l.gone, l.removed = true, f.epoch
	f.removed++
	if f.index != nil {
		f.index.remove(l)
	}
	if f.removed > len(f.lines)-f.removed {
		f.compact()
	}
}

// deleteMatching removes every line containing pattern.
func (f *textFile) deleteMatching(pattern string) {
	f.own()
	if isBrickToken(pattern) {
		if f.index == nil {
			f.index = brickLineIndex{}
			for _, l := range f.lines {
				if !l.gone {
					f.index.add(l)
				}
			}
		}
		drop := append([]*fileLine(nil), f.index[pattern]...)
		for _, l := range drop {
			if !l.gone {
				f.remove(l)
			}
		}
		return
	}
	for _, l := range append([]*fileLine(nil), f.lines...) {
		if !l.gone && basicRegexMatch(pattern, l.text) {
			f.remove(l)
		}
	}
}

// compact drops removed lines that no backup view still shows. If views
// still pin most of them (an old backup nobody replaced), the views get
// copies of their own so that the file stops carrying their history.
func (f *textFile) compact() {
	f.dropUnshown()
	if len(f.views) > 0 && f.removed > len(f.lines)-f.removed {
		for _, v := range append([]*textFile(nil), f.views...) {
			v.own()
		}
		f.dropUnshown()
	}
}

func (f *textFile) dropUnshown() {
	kept := f.lines[:0]
	for _, l := range f.lines {
		if l.gone && !f.shownByView(l) {
			f.removed--
			continue
		}
		kept = append(kept, l)
	}
	clear(f.lines[len(kept):])
	f.lines = kept
}

func (f *textFile) shownByView(l *fileLine) bool {
	for _, v := range f.views {
		if l.visibleAt(v.at) {
			return true
		}
	}
	return false
}

const brickTokenLen = len("brick_") + 32

// brickTokens returns every brick_<32 hex> string that starts in line.
func brickTokens(line string) []string {
	var out []string
	for i := 0; ; {
		j := strings.Index(line[i:], "brick_")
		if j < 0 {
			return out
		}
		i += j
		if tok := line[i:min(i+brickTokenLen, len(line))]; isBrickToken(tok) {
			out = append(out, tok)
		}
		i++
	}
}

func isBrickToken(s string) bool {
	if len(s) != brickTokenLen || s[:len("brick_")] != "brick_" {
		return false
	}
	for _, c := range s[len("brick_"):] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// add records l under each brick string in it, once per string (an fstab
// line names its brick twice: in the device and in the mount point).
func (ix brickLineIndex) add(l *fileLine) {
	for _, t := range brickTokens(l.text) {
		if list := ix[t]; len(list) == 0 || list[len(list)-1] != l {
			ix[t] = append(list, l)
		}
	}
}

func (ix brickLineIndex) remove(l *fileLine) {
	for _, t := range brickTokens(l.text) {
		list := ix[t]
		for i, x := range list {
			if x == l {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(ix, t)
		} else {
			ix[t] = list
		}
	}
}
