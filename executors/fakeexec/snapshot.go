package fakeexec

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

const snapsDir = "/run/gluster/snaps"

func (c *gcli) snapFailed(op, msg string) output {
	if c.xml {
		return output{stdout: xmlErr(30800, msg, ""), code: 1}
	}
	return fail(1, "snapshot "+op+": failed: "+msg+"\n")
}

func snapXML(tag string, s *snapshot) string {
	return fmt.Sprintf("  <%s>\n    <snapshot>\n      <name>%s</name>\n      <uuid>%s</uuid>\n    </snapshot>\n  </%s>\n", tag, esc(s.name), s.uuid, tag)
}

func (c *gcli) snapshot(args []string) output {
	if len(args) == 0 {
		return fail(1, "unrecognized command\n")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "config":
		if len(args) >= 2 && args[0] == "snap-max-hard-limit" {
			lim, err := strconv.Atoi(args[1])
			if err != nil || lim < 1 || lim > 256 {
				return c.snapFailed("config", "Invalid snap-max-hard-limit "+args[1]+". Expected range 1 - 256")
			}
			c.p.snapLimit = lim
			return c.success("snapshot config: snap-max-hard-limit for System set successfully\n", "snapConfig", "")
		}
		if len(args) >= 2 {
			return c.success("snapshot config: "+args[0]+" for System set successfully\n", "snapConfig", "")
		}
		return ok(fmt.Sprintf("\nSnapshot System Configuration:\nsnap-max-hard-limit : %d\nsnap-max-soft-limit : 90%%\nauto-delete : disable\nactivate-on-create : disable\n\n", max(c.p.snapLimit, 256)))
	case "create":
		return c.snapCreate(args)
	case "activate", "deactivate", "delete":
		if len(args) < 1 {
			return fail(1, "Usage:\nsnapshot "+sub+" <snapname>\n")
		}
		s := c.p.snaps[args[0]]
		if s == nil {
			return c.snapFailed(sub, fmt.Sprintf("Snapshot (%s) does not exist", args[0]))
		}
		switch sub {
		case "activate":
			if s.active {
				return c.snapFailed(sub, fmt.Sprintf("Snapshot %s is already activated.", s.name))
			}
			c.activate(s)
			return c.snapDone(fmt.Sprintf("Snapshot activate: %s: Snap activated successfully\n", s.name), snapXML("snapActivate", s))
		case "deactivate":
			if !s.active {
				return c.snapFailed(sub, fmt.Sprintf("Snapshot %s is already deactivated.", s.name))
			}
			c.deactivate(s)
			return c.snapDone(fmt.Sprintf("Snapshot deactivate: %s: Snap deactivated successfully\n", s.name), snapXML("snapDeactivate", s))
		default:
			if s.active {
				c.deactivate(s)
			}
			removeSnapBricks(s.bricks, s.volID)
			delete(c.p.snaps, s.name)
			body := fmt.Sprintf("  <snapDelete>\n    <snapshots>\n      <snapshot>\n        <status>Success</status>\n        <name>%s</name>\n        <uuid>%s</uuid>\n      </snapshot>\n    </snapshots>\n  </snapDelete>\n", esc(s.name), s.uuid)
			return c.snapDone(fmt.Sprintf("snapshot delete: %s: snap removed successfully\n", s.name), body)
		}
	case "clone":
		if len(args) < 2 {
			return fail(1, "Usage:\nsnapshot clone <clonename> <snapname>\n")
		}
		return c.clone(args[0], args[1])
	case "list":
		var names []string
		if len(args) > 0 {
			if c.p.volumes[args[0]] == nil {
				return c.snapFailed("list", fmt.Sprintf("Volume (%s) does not exist", args[0]))
			}
		}
		for _, name := range sortedKeys(c.p.snaps) {
			if len(args) == 0 || c.p.snaps[name].origin == args[0] {
				names = append(names, name)
			}
		}
		if c.xml {
			var b strings.Builder
			fmt.Fprintf(&b, "  <snapList>\n    <count>%d</count>\n", len(names))
			for _, n := range names {
				fmt.Fprintf(&b, "    <snapshot>%s</snapshot>\n", esc(n))
			}
			b.WriteString("  </snapList>\n")
			return ok(xmlOK(b.String()))
		}
		if len(names) == 0 {
			return ok("No snapshots present\n")
		}
		return ok(strings.Join(names, "\n") + "\n")
	}
	return fail(1, fmt.Sprintf("unrecognized word: %s (position 1)\n", sub))
}

func (c *gcli) snapDone(text, xmlBody string) output {
	if c.xml {
		return ok(xmlOK(xmlBody))
	}
	return ok(text)
}

func (c *gcli) snapCreate(args []string) output {
	if len(args) < 2 {
		return fail(1, "Usage:\nsnapshot create <snapname> <volname> [no-timestamp] [description <description>] [force]\n")
	}
	name, volName := args[0], args[1]
	noTS := false
	for _, a := range args[2:] {
		if a == "no-timestamp" {
			noTS = true
		}
	}
	if !noTS {
		name += time.Now().UTC().Format("_GMT-2006.01.02-15.04.05")
	}
	if _, exists := c.p.snaps[name]; exists {
		return c.snapFailed("create", fmt.Sprintf("Snapshot %s exists", name))
	}
	v := c.p.volumes[volName]
	if v == nil {
		return c.snapFailed("create", fmt.Sprintf("Volume (%s) does not exist", volName))
	}
	if !v.started {
		return c.snapFailed("create", fmt.Sprintf("volume %s is not started", volName))
	}
	if lim := c.p.snapLimit; lim > 0 && c.snapCount(volName) >= lim {
		return c.snapFailed("create", fmt.Sprintf("The number of existing snaps has reached the effective maximum limit of %d, for the volume (%s). Please delete few snapshots before taking further snapshots.", lim, volName))
	}
	s := &snapshot{name: name, uuid: c.f.ids.uuid(), origin: volName, created: time.Now()}
	s.volID = strings.ReplaceAll(c.f.ids.uuid(), "-", "")
	bricks, msg := c.thinBricks(v.bricks, s.volID)
	if msg != "" {
		return c.snapFailed("create", strings.ReplaceAll(msg, "%VOL%", volName))
	}
	s.bricks = bricks
	c.p.snaps[name] = s
	v.setOption("features.barrier", "disable")
	return c.snapDone(fmt.Sprintf("snapshot create: success: Snap %s created successfully\n", name), snapXML("snapCreate", s))
}

// thinBricks makes one thin snapshot LV (<id>_<i>) per brick in the brick
// LV's pool, copying the brick filesystem. Nothing is created on failure.
func (c *gcli) thinBricks(src []*brick, id string) ([]snapBrick, string) {
	type plan struct {
		vg     *vg
		origin *lv
		subdir string
	}
	plans := make([]plan, len(src))
	for i, b := range src {
		msg := withNode(b.n, func() string {
			_, _, m := b.n.resolve(b.path)
			if m == nil || m.lv == "" {
				return "Snapshot is supported only for thin provisioned LV. Ensure that all bricks of %VOL% are thinly provisioned LV."
			}
			v := b.n.vgs[m.vg]
			l := v.lv(m.lv)
			if l == nil || l.kind != lvThin {
				return "Snapshot is supported only for thin provisioned LV. Ensure that all bricks of %VOL% are thinly provisioned LV."
			}
			plans[i] = plan{v, l, strings.TrimPrefix(b.path, m.target)}
			return ""
		})
		if msg != "" {
			return nil, msg
		}
	}
	out := make([]snapBrick, len(src))
	for i, b := range src {
		p := plans[i]
		withNode(b.n, func() bool {
			name := fmt.Sprintf("%s_%d", id, i)
			fs := newFS(fsXFS)
			if p.origin.fs != nil {
				fs = p.origin.fs.clone()
			}
			l := &lv{name: name, kind: lvThin, sizeKiB: p.origin.sizeKiB, pool: p.origin.pool, uuid: c.f.ids.lvmUUID(), fs: fs}
			p.vg.addLV(l)
			p.vg.setOrigin(l, p.origin.name)
			out[i] = snapBrick{n: b.n, host: b.host, vg: p.vg.name, lv: name, mount: fmt.Sprintf("%s/%s/brick%d", snapsDir, id, i+1), subdir: p.subdir}
			return true
		})
	}
	return out, ""
}

func mountSnapBricks(bricks []snapBrick) {
	for _, sb := range bricks {
		withNode(sb.n, func() bool {
			v := sb.n.vgs[sb.vg]
			if v == nil {
				return false
			}
			l := v.lv(sb.lv)
			if l == nil {
				return false
			}
			l.active = true
			sb.n.mkdirAll(sb.mount)
			sb.n.addMount(&mount{target: sb.mount, fs: l.fs, vg: v.name, lv: l.name})
			return true
		})
	}
}

func (c *gcli) activate(s *snapshot) {
	mountSnapBricks(s.bricks)
	for _, sb := range s.bricks {
		withNode(sb.n, func() bool { sb.n.brickUp(sb.brickPath()); return true })
	}
	s.active = true
}

func (c *gcli) deactivate(s *snapshot) {
	for _, sb := range s.bricks {
		withNode(sb.n, func() bool {
			delete(sb.n.bricks, sb.brickPath())
			for i, m := range sb.n.mounts {
				if m.target == sb.mount {
					sb.n.removeMount(i)
					break
				}
			}
			return true
		})
	}
	s.active = false
}

// removeSnapBricks removes snapshot LVs and their /run/gluster/snaps/<id> tree.
func removeSnapBricks(bricks []snapBrick, id string) {
	for _, sb := range bricks {
		withNode(sb.n, func() bool {
			if v := sb.n.vgs[sb.vg]; v != nil {
				if l := v.lv(sb.lv); l != nil {
					v.removeLV(l)
				}
			}
			rel := path.Join(snapsDir, id)
			var doomed []string
			sb.n.root.each(func(d string, _ *dirMeta) {
				if d == rel || strings.HasPrefix(d, rel+"/") {
					doomed = append(doomed, d)
				}
			})
			sort.Slice(doomed, func(i, j int) bool { return len(doomed[i]) > len(doomed[j]) })
			for _, d := range doomed {
				sb.n.root.remove(d)
			}
			return true
		})
	}
}

func (c *gcli) clone(cloneName, snapName string) output {
	s := c.p.snaps[snapName]
	if s == nil {
		return c.snapFailed("clone", fmt.Sprintf("Snapshot (%s) does not exist", snapName))
	}
	if _, exists := c.p.volumes[cloneName]; exists {
		return c.snapFailed("clone", fmt.Sprintf("Volume with name:%s already exists", cloneName))
	}
	if !s.active {
		return c.snapFailed("clone", fmt.Sprintf("Snapshot %s is not activated", snapName))
	}
	id := c.f.ids.newUUID()
	nd := strings.ReplaceAll(id.String(), "-", "")
	var bricks []snapBrick
	for i, sb := range s.bricks {
		withNode(sb.n, func() bool {
			v := sb.n.vgs[sb.vg]
			src := v.lv(sb.lv)
			name := fmt.Sprintf("%s_%d", nd, i)
			l := &lv{name: name, kind: lvThin, sizeKiB: src.sizeKiB, pool: src.pool, uuid: c.f.ids.lvmUUID(), fs: src.fs.clone(), active: true}
			v.addLV(l)
			v.setOrigin(l, src.name)
			bricks = append(bricks, snapBrick{n: sb.n, host: sb.host, vg: v.name, lv: name, mount: fmt.Sprintf("%s/%s/brick%d", snapsDir, nd, i+1), subdir: sb.subdir})
			return true
		})
	}
	mountSnapBricks(bricks)
	nv := &volume{name: cloneName, id: id}
	if ov := c.p.volumes[s.origin]; ov != nil {
		nv.replica, nv.arbiter, nv.disperse, nv.redundancy = ov.replica, ov.arbiter, ov.disperse, ov.redundancy
		for _, o := range ov.options() {
			if o.Name != "features.barrier" {
				nv.own = append(nv.own, o)
			}
		}
	}
	nv.own = append(nv.own, Option{"features.quota", "off"}, Option{"features.inode-quota", "off"}, Option{"features.quota-deem-statfs", "off"})
	for _, sb := range bricks {
		nv.bricks = append(nv.bricks, &brick{host: sb.host, path: sb.brickPath(), n: sb.n})
	}
	c.p.volumes[cloneName] = nv
	c.p.bricks.add(nv.bricks...)
	body := fmt.Sprintf("  <CloneCreate>\n    <volume>\n      <name>%s</name>\n      <uuid>%s</uuid>\n    </volume>\n  </CloneCreate>\n", esc(cloneName), id)
	return c.snapDone(fmt.Sprintf("snapshot clone: success: Clone %s created successfully\n", cloneName), body)
}
