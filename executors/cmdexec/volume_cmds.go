package cmdexec

import (
	"fmt"
	"strings"
)

// Durability types, as in the REST API.
const (
	DurabilityNone      = "none"      // distribute only
	DurabilityReplicate = "replicate" // replica sets, optionally with an arbiter
	DurabilityDisperse  = "disperse"  // erasure-coded sets
)

// Durability is a volume's data protection, as given to gluster volume create.
type Durability struct {
	Type       string // DurabilityNone ("" is the same), DurabilityReplicate or DurabilityDisperse
	Replica    int    // replicate: copies (0 means 2, as in Heketi)
	Arbiter    bool   // replicate: the third brick of each set is an arbiter
	Data       int    // disperse: data bricks per set
	Redundancy int    // disperse: redundancy bricks per set
}

// SetSize returns the number of bricks per set: 1 for none, the replica count
// for replicate (2 when 0), data+redundancy for disperse.
func (d Durability) SetSize() int {
	switch d.Type {
	case DurabilityReplicate:
		if d.Replica == 0 {
			return 2
		}
		return d.Replica
	case DurabilityDisperse:
		return d.Data + d.Redundancy
	default:
		return 1
	}
}

// keywords returns the create keywords, each followed by one space:
// "replica 3 ", "replica 3 arbiter 1 ", "disperse-data 4 redundancy 2 " or "".
func (d Durability) keywords() string {
	switch d.Type {
	case DurabilityReplicate:
		s := fmt.Sprintf("replica %d ", d.SetSize())
		if d.Arbiter {
			s += "arbiter 1 "
		}
		return s
	case DurabilityDisperse:
		return fmt.Sprintf("disperse-data %d redundancy %d ", d.Data, d.Redundancy)
	default:
		return ""
	}
}

// addBrickChunk returns how many bricks one add-brick command carries:
// set size times 15 (none), 5 (replicate) or 1 (disperse).
func (d Durability) addBrickChunk() int {
	n := d.SetSize()
	switch d.Type {
	case DurabilityReplicate:
		n *= 5
	case DurabilityDisperse:
	default:
		n *= 15
	}
	if n < 1 {
		n = 1
	}
	return n
}

// BrickArg formats a gluster brick argument: <storage host>:<brick path>.
func BrickArg(storageHost, path string) string { return storageHost + ":" + path }

// VolumeSpec is what the volume create sequence needs.
type VolumeSpec struct {
	Name       string     // gluster volume name, vol_<id> by default
	ID         string     // Basalt volume id, stored as user.heketi.id
	Durability Durability //
	Bricks     []string   // BrickArg values in allocation order, set by set
	Options    []string   // effective options, "<key> <value>"; empty ones are skipped
}

// VolumeCreate renders the create command for bricks (normally the first
// brick set). The line ends with a space after the last brick (not visible here):
//
//	gluster --mode=script --timeout=600 volume create vol_<id> replica 3 10.0.0.2:/var/lib/heketi/mounts/vg_<did>/brick_<bid>/brick 10.0.0.1:…/brick 10.0.0.4:…/brick
func (r Renderer) VolumeCreate(name string, d Durability, bricks []string) string {
	return r.gluster("volume create " + name + " " + d.keywords() + brickList(bricks))
}

// VolumeAddBrick renders (the line ends with a space after the last brick):
//
//	gluster --mode=script --timeout=600 volume add-brick vol_<id> 10.0.0.4:…/brick 10.0.0.3:…/brick 10.0.0.2:…/brick
func (r Renderer) VolumeAddBrick(name string, bricks []string) string {
	return r.gluster("volume add-brick " + name + " " + brickList(bricks))
}

func brickList(bricks []string) string {
	var b strings.Builder
	for _, br := range bricks {
		b.WriteString(br)
		b.WriteByte(' ')
	}
	return b.String()
}

// VolumeSet renders one option set (option is "<key> <value>"):
//
//	gluster --mode=script --timeout=600 volume set vol_<id> performance.readdir-ahead off
func (r Renderer) VolumeSet(name, option string) string {
	return r.gluster("volume set " + name + " " + option)
}

// VolumeSetHeketiID renders:
//
//	gluster --mode=script --timeout=600 volume set vol_<id> user.heketi.id <id>
func (r Renderer) VolumeSetHeketiID(name, id string) string {
	return r.VolumeSet(name, "user.heketi.id "+id)
}

// VolumeStart renders:
//
//	gluster --mode=script --timeout=600 volume start vol_<id>
func (r Renderer) VolumeStart(name string) string { return r.gluster("volume start " + name) }

// VolumeStartXML renders the start of a fresh clone:
//
//	gluster --mode=script --timeout=600 --xml volume start <clonename>
func (r Renderer) VolumeStartXML(name string) string { return r.gluster("--xml volume start " + name) }

// VolumeStopForce renders:
//
//	gluster --mode=script --timeout=600 volume stop vol_<id> force
func (r Renderer) VolumeStopForce(name string) string {
	return r.gluster("volume stop " + name + " force")
}

// VolumeStop renders (used around option changes by VolumeModify):
//
//	gluster --mode=script --timeout=600 volume stop vol_<id>
func (r Renderer) VolumeStop(name string) string { return r.gluster("volume stop " + name) }

// VolumeDelete renders:
//
//	gluster --mode=script --timeout=600 volume delete vol_<id>
func (r Renderer) VolumeDelete(name string) string { return r.gluster("volume delete " + name) }

// VolumeRebalanceStart renders:
//
//	gluster --mode=script --timeout=600 volume rebalance vol_<id> start
func (r Renderer) VolumeRebalanceStart(name string) string {
	return r.gluster("volume rebalance " + name + " start")
}

// VolumeInfo renders the XML volume info of one volume, or of all volumes when
// name is empty:
//
//	gluster --mode=script --timeout=600 volume info vol_<id> --xml
//	gluster --mode=script --timeout=600 volume info --xml
func (r Renderer) VolumeInfo(name string) string {
	if name == "" {
		return r.gluster("volume info --xml")
	}
	return r.gluster("volume info " + name + " --xml")
}

// VolumeStatus renders the XML volume status (all volumes when name is empty):
//
//	gluster --mode=script --timeout=600 volume status vol_<id> --xml
func (r Renderer) VolumeStatus(name string) string {
	if name == "" {
		return r.gluster("volume status --xml")
	}
	return r.gluster("volume status " + name + " --xml")
}

// VolumeHealInfo renders:
//
//	gluster --mode=script --timeout=600 volume heal vol_<id> info --xml
func (r Renderer) VolumeHealInfo(name string) string {
	return r.gluster("volume heal " + name + " info --xml")
}

// VolumeReplaceBrick renders (old and new are BrickArg values):
//
//	gluster --mode=script --timeout=600 volume replace-brick vol_<id> <oldhost>:<oldpath> <newhost>:<newpath> commit force
func (r Renderer) VolumeReplaceBrick(name, oldBrick, newBrick string) string {
	return r.gluster(fmt.Sprintf("volume replace-brick %s %s %s commit force", name, oldBrick, newBrick))
}

// PoolListXML renders:
//
//	gluster --mode=script --timeout=600 pool list --xml
func (r Renderer) PoolListXML() string { return r.gluster("pool list --xml") }

// addBrickCommands splits bricks into add-brick commands of at most the
// durability's chunk size.
func (r Renderer) addBrickCommands(name string, d Durability, bricks []string) []string {
	var cmds []string
	chunk := d.addBrickChunk()
	for len(bricks) > 0 {
		n := min(chunk, len(bricks))
		cmds = append(cmds, r.VolumeAddBrick(name, bricks[:n]))
		bricks = bricks[n:]
	}
	return cmds
}

// VolumeCreateSequence renders the volume create sequence (heketi-facts §7.7),
// run on the first brick's node with GlusterTimeout: create with the first
// brick set, add-brick for the remaining bricks in chunks of set size × (15
// none, 5 replicate, 1 disperse), one set per non-empty option, the heketi id,
// then start (create and add-brick lines end with a space, not shown):
//
//	gluster --mode=script --timeout=600 volume create vol_<id> replica 3 <b1> <b2> <b3>
//	gluster --mode=script --timeout=600 volume add-brick vol_<id> <b4> …
//	gluster --mode=script --timeout=600 volume set vol_<id> performance.readdir-ahead off
//	gluster --mode=script --timeout=600 volume set vol_<id> user.heketi.id <id>
//	gluster --mode=script --timeout=600 volume start vol_<id>
func (r Renderer) VolumeCreateSequence(v VolumeSpec) []string {
	first := min(v.Durability.SetSize(), len(v.Bricks))
	cmds := []string{r.VolumeCreate(v.Name, v.Durability, v.Bricks[:first])}
	cmds = append(cmds, r.addBrickCommands(v.Name, v.Durability, v.Bricks[first:])...)
	for _, o := range v.Options {
		if strings.TrimSpace(o) == "" {
			continue
		}
		cmds = append(cmds, r.VolumeSet(v.Name, o))
	}
	return append(cmds, r.VolumeSetHeketiID(v.Name, v.ID), r.VolumeStart(v.Name))
}

// VolumeExpandSequence renders the expansion (first new brick's node,
// GlusterTimeout): add-brick chunks as in create, then the rebalance when
// Config.RebalanceOnExpansion is set (its failure is ignored by the caller);
// the add-brick line ends with a space, not shown:
//
//	gluster --mode=script --timeout=600 volume add-brick vol_<id> <b1> <b2> <b3>
//	gluster --mode=script --timeout=600 volume rebalance vol_<id> start
func (r Renderer) VolumeExpandSequence(name string, d Durability, bricks []string) []string {
	cmds := r.addBrickCommands(name, d, bricks)
	if r.cfg.RebalanceOnExpansion {
		cmds = append(cmds, r.VolumeRebalanceStart(name))
	}
	return cmds
}

// VolumeDeleteSequence renders the volume delete (GlusterTimeout); the stop's
// failure is ignored and a "does not exist" delete error counts as success:
//
//	gluster --mode=script --timeout=600 volume stop vol_<id> force
//	gluster --mode=script --timeout=600 volume delete vol_<id>
func (r Renderer) VolumeDeleteSequence(name string) []string {
	return []string{r.VolumeStopForce(name), r.VolumeDelete(name)}
}

// Snapshots and clones (heketi-facts §7.8).

// SnapshotCreate renders:
//
//	gluster --mode=script --timeout=600 --xml snapshot create tmpsnap_<id> <src> no-timestamp
func (r Renderer) SnapshotCreate(snap, volume string) string {
	return r.gluster(fmt.Sprintf("--xml snapshot create %s %s no-timestamp", snap, volume))
}

// SnapshotActivate renders:
//
//	gluster --mode=script --timeout=600 --xml snapshot activate tmpsnap_<id>
func (r Renderer) SnapshotActivate(snap string) string {
	return r.gluster("--xml snapshot activate " + snap)
}

// SnapshotClone renders:
//
//	gluster --mode=script --timeout=600 --xml snapshot clone <clonename> tmpsnap_<id>
func (r Renderer) SnapshotClone(clone, snap string) string {
	return r.gluster(fmt.Sprintf("--xml snapshot clone %s %s", clone, snap))
}

// SnapshotDeactivate renders:
//
//	gluster --mode=script --timeout=600 --xml snapshot deactivate tmpsnap_<id>
func (r Renderer) SnapshotDeactivate(snap string) string {
	return r.gluster("--xml snapshot deactivate " + snap)
}

// SnapshotDelete renders:
//
//	gluster --mode=script --timeout=600 --xml snapshot delete tmpsnap_<id>
func (r Renderer) SnapshotDelete(snap string) string {
	return r.gluster("--xml snapshot delete " + snap)
}

// SnapshotList renders:
//
//	gluster --mode=script --timeout=600 --xml snapshot list vol_<id>
func (r Renderer) SnapshotList(volume string) string {
	return r.gluster("--xml snapshot list " + volume)
}

// CloneSequence renders the volume clone (first node of the cluster,
// GlusterTimeout), through the temporary snapshot snap (tmpsnap_<randomid>):
//
//	gluster --mode=script --timeout=600 volume info <src> --xml
//	gluster --mode=script --timeout=600 --xml snapshot create tmpsnap_<randomid> <src> no-timestamp
//	gluster --mode=script --timeout=600 --xml snapshot activate tmpsnap_<randomid>
//	gluster --mode=script --timeout=600 --xml snapshot clone <clonename> tmpsnap_<randomid>
//	gluster --mode=script --timeout=600 --xml volume start <clonename>
//	gluster --mode=script --timeout=600 volume info <clonename> --xml
//	gluster --mode=script --timeout=600 --xml snapshot deactivate tmpsnap_<randomid>
//	gluster --mode=script --timeout=600 --xml snapshot delete tmpsnap_<randomid>
func (r Renderer) CloneSequence(src, clone, snap string) []string {
	return []string{
		r.VolumeInfo(src),
		r.SnapshotCreate(snap, src),
		r.SnapshotActivate(snap),
		r.SnapshotClone(clone, snap),
		r.VolumeStartXML(clone),
		r.VolumeInfo(clone),
		r.SnapshotDeactivate(snap),
		r.SnapshotDelete(snap),
	}
}
