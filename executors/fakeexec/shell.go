package fakeexec

import (
	"fmt"
	"path"
	"strings"
)

// output is what one command printed and its exit status.
type output struct {
	stdout string
	stderr string
	code   int
}

func ok(stdout string) output { return output{stdout: stdout} }

func fail(code int, stderr string) output { return output{stderr: stderr, code: code} }

// step is one simple command of a command line and the operator that joins
// it to the previous one ("", ";", "&&" or "||").
type step struct {
	op   string
	args []string
}

// splitLine tokenizes a bash command line: words separated by blanks, single
// quotes, double quotes with backslash escapes, backslash escapes outside
// quotes, and the list operators ;, && and ||. Redirections (>, >>, 2>, 2>&1,
// < and their targets) are dropped.
//
// Each word is its own exact-size string: the model keeps many of them (LV
// names, paths, fstab lines) for as long as the node lives, so a word must
// neither carry a builder's spare capacity nor pin the whole line.
func splitLine(line string) ([]step, error) {
	var (
		steps   []step
		cur     step
		word    []byte // the word being read, reused for every word
		inWord  bool
		skipNxt bool // the next word is a redirection target
	)
	endWord := func() {
		if !inWord {
			return
		}
		inWord = false
		if skipNxt {
			skipNxt = false
			word = word[:0]
			return
		}
		cur.args = append(cur.args, string(word))
		word = word[:0]
	}
	endStep := func(op string) {
		endWord()
		if len(cur.args) > 0 || cur.op != "" {
			steps = append(steps, cur)
		}
		cur = step{op: op}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			endWord()
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unexpected EOF while looking for matching `''")
			}
			word = append(word, line[i+1:i+1+j]...)
			inWord = true
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`\n", line[i+1]) >= 0 {
					i++
				}
				word = append(word, line[i])
			}
			if i >= len(line) {
				return nil, fmt.Errorf("unexpected EOF while looking for matching `\"'")
			}
		case c == '\\':
			if i+1 < len(line) {
				i++
				word = append(word, line[i])
				inWord = true
			}
		case c == ';':
			endStep(";")
		case c == '&' && i+1 < len(line) && line[i+1] == '&':
			endStep("&&")
			i++
		case c == '|' && i+1 < len(line) && line[i+1] == '|':
			endStep("||")
			i++
		case c == '>' || c == '<':
			// Redirection: drop an fd number written just before it.
			if inWord {
				if w := string(word); w == "1" || w == "2" || w == "&" {
					word = word[:0]
					inWord = false
				} else {
					endWord()
				}
			}
			if i+1 < len(line) && line[i+1] == '>' {
				i++
			}
			if i+1 < len(line) && line[i+1] == '&' {
				// 2>&1: skip the fd digit(s).
				i++
				for i+1 < len(line) && line[i+1] >= '0' && line[i+1] <= '9' {
					i++
				}
				continue
			}
			skipNxt = true
		default:
			word = append(word, c)
			inWord = true
		}
	}
	endStep("")
	return steps, nil
}

// programs lists the commands the Fake understands, by basename.
var programs = map[string]bool{
	"lvm": true, "pvcreate": true, "pvremove": true, "pvs": true, "vgcreate": true,
	"vgremove": true, "vgs": true, "vgdisplay": true, "lvcreate": true, "lvremove": true,
	"lvs": true, "udevadm": true, "mkfs.xfs": true, "mkdir": true, "rmdir": true,
	"mount": true, "umount": true, "awk": true, "sed": true, "cat": true, "chown": true,
	"chmod": true, "wipefs": true, "systemctl": true, "gluster": true, "gluster-block": true,
	"lsof": true, "true": true, "false": true, "echo": true,
}

// exec runs one command line on n.
func (f *Fake) exec(n *node, line string) output {
	steps, err := splitLine(line)
	if err != nil {
		return fail(2, "bash: -c: line 1: "+err.Error()+"\n")
	}
	var out output
	var stdout, stderr strings.Builder
	for i, s := range steps {
		if i > 0 {
			if (s.op == "&&" && out.code != 0) || (s.op == "||" && out.code == 0) {
				continue
			}
		}
		if len(s.args) == 0 {
			continue
		}
		out = f.simple(n, s.args)
		stdout.WriteString(out.stdout)
		stderr.WriteString(out.stderr)
	}
	return output{stdout: stdout.String(), stderr: stderr.String(), code: out.code}
}

// simple runs one simple command (argv) on n.
func (f *Fake) simple(n *node, args []string) output {
	// sudo [-n|-E|...] cmd
	if args[0] == "sudo" {
		args = args[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "-") {
			args = args[1:]
		}
		if len(args) == 0 {
			return fail(1, "usage: sudo -h | -K | -k | -V\n")
		}
	}
	prog := path.Base(args[0])
	// An optional wrapper in front of a known program, e.g. an lvm wrapper
	// like `/usr/sbin/exec-on-host /usr/sbin/lvm pvs` or
	// `nsenter --mount=/host/proc/1/ns/mnt -- /usr/sbin/lvm pvs`: skip to
	// the first absolute path naming a known program.
	if !programs[prog] {
		for i := 1; i < len(args); i++ {
			if strings.HasPrefix(args[i], "/") && programs[path.Base(args[i])] {
				args = args[i:]
				prog = path.Base(args[0])
				break
			}
		}
	}
	switch prog {
	case "lvm":
		if len(args) < 2 {
			return fail(3, "  No command specified.\n")
		}
		return n.lvm(f, args[1:])
	case "pvcreate", "pvremove", "pvs", "vgcreate", "vgremove", "vgs", "vgdisplay", "lvcreate", "lvremove", "lvs":
		args = append([]string{prog}, args[1:]...)
		return n.lvm(f, args)
	case "udevadm":
		return n.locked(func() output { return n.udevadm(args[1:]) })
	case "mkfs.xfs":
		return n.locked(func() output { return n.mkfsXFS(args[1:]) })
	case "mkdir":
		return n.locked(func() output { return n.mkdir(args[1:]) })
	case "rmdir":
		return n.locked(func() output { return n.rmdir(args[1:]) })
	case "mount":
		return n.locked(func() output { return n.mount(args[1:]) })
	case "umount":
		return n.locked(func() output { return n.umount(args[1:]) })
	case "awk":
		return n.locked(func() output { return n.awk(args[1:]) })
	case "sed":
		return n.locked(func() output { return n.sed(args[1:]) })
	case "cat":
		return n.locked(func() output { return n.cat(args[1:]) })
	case "chown":
		return n.locked(func() output { return n.chown(args[1:]) })
	case "chmod":
		return n.locked(func() output { return n.chmod(args[1:]) })
	case "wipefs":
		return n.locked(func() output { return n.wipefs(f, args[1:]) })
	case "lsof":
		return n.locked(func() output { return n.lsof(args[1:]) })
	case "systemctl":
		return n.locked(func() output { return n.systemctl(args[1:]) })
	case "gluster":
		return f.gluster(n, args[1:])
	case "gluster-block":
		return f.glusterBlock(n, args[1:])
	case "true":
		return ok("")
	case "false":
		return output{code: 1}
	case "echo":
		return ok(strings.Join(args[1:], " ") + "\n")
	}
	return fail(127, "bash: "+args[0]+": command not found\n")
}
