package heketidump

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/client/api"
	"github.com/basalt-storage/basalt/db"
	"github.com/basalt-storage/basalt/internal/errs"
)

// Fixed ids of the fixture (32 hex digits, as Heketi's).
const (
	cID   = "c0000000000000000000000000000001"
	n1    = "a0000000000000000000000000000001"
	n2    = "a0000000000000000000000000000002"
	n3    = "a0000000000000000000000000000003"
	d1    = "d0000000000000000000000000000001"
	d2    = "d0000000000000000000000000000002"
	d3    = "d0000000000000000000000000000003"
	vID   = "e0000000000000000000000000000001"
	bhvID = "e0000000000000000000000000000002"
	bvID  = "f0000000000000000000000000000001"
	opID  = "90000000000000000000000000000001"
	nNew  = "a0000000000000000000000000000004"
)

func openStore(t *testing.T, name string) *db.BoltStore {
	t.Helper()
	s, err := db.Open(filepath.Join(t.TempDir(), name), db.Options{})
	if err != nil {
		t.Fatalf("open %s: expected no error, got %v", name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fill writes a small but complete topology: one cluster of three nodes
// (one still being added), a replica-3 volume, a block-hosting volume with a
// block volume, and a pending operation.
func fill(t *testing.T, s db.Store) {
	t.Helper()
	err := s.Update(func(w db.Writer) error {
		must := func(err error) {
			if err != nil {
				t.Fatalf("fixture: %v", err)
			}
		}
		must(w.PutCluster(&db.Cluster{ID: cID, Block: true, File: true}))
		for i, n := range []string{n1, n2, n3} {
			host := string(rune('1' + i))
			must(w.PutNode(&db.Node{ID: n, ClusterID: cID, Zone: i + 1, ManageHostnames: []string{"node" + host + ".mgmt"},
				StorageHostnames: []string{"10.0.0." + host}, State: api.EntryStateOnline, Tags: map[string]string{"rack": "r" + host}}))
		}
		must(w.PutPendingOp(&db.PendingOp{ID: opID, Type: db.OpAddNode, Timestamp: 1700000000, Status: db.OpStatusStale,
			Actions: []db.PendingAction{{Change: db.ChangeAddNode, ID: nNew}}, Phase: "exec",
			Steps: []db.OpStep{{Name: "probe", Host: "node4.mgmt", Started: true}}, Error: "probe timed out"}))
		must(w.PutNode(&db.Node{ID: nNew, ClusterID: cID, Zone: 4, ManageHostnames: []string{"node4.mgmt"},
			StorageHostnames: []string{"10.0.0.4"}, State: api.EntryStateOnline, PendingOpID: opID}))
		for i, d := range []string{d1, d2, d3} {
			n := []string{n1, n2, n3}[i]
			must(w.PutDevice(&db.Device{ID: d, NodeID: n, Name: "/dev/sdb", State: api.EntryStateOnline,
				TotalKiB: 10 << 20, FreeKiB: 10<<20 - (1<<20 + 8192) - (2<<20 + 12288), UsedKiB: 1<<20 + 8192 + 2<<20 + 12288,
				ExtentSizeKiB: 4096, PVUUID: "pv-" + d[:4], Paths: []string{"/dev/sdb"}}))
		}
		must(w.PutVolume(&db.Volume{ID: vID, ClusterID: cID, Name: "vol_" + vID, SizeGiB: 1,
			Durability: api.VolumeDurabilityInfo{Type: api.DurabilityReplicate, Replicate: api.ReplicaDurability{Replica: 3}},
			Gid:        2000, Options: []string{"performance.readdir-ahead off"}, Snapshot: api.VolumeSnapshot{Enable: true, Factor: 1.5}}))
		must(w.PutVolume(&db.Volume{ID: bhvID, ClusterID: cID, Name: "bhv", SizeGiB: 2, Block: true,
			Durability: api.VolumeDurabilityInfo{Type: api.DurabilityReplicate, Replicate: api.ReplicaDurability{Replica: 3}},
			Options:    []string{"group gluster-block"}, BlockInfo: api.BlockInfo{FreeSize: 0, ReservedSize: 1}}))
		for i, d := range []string{d1, d2, d3} {
			n := []string{n1, n2, n3}[i]
			for j, v := range []string{vID, bhvID} {
				id := string(rune('0'+j)) + d[1:]
				size := uint64(j+1) << 20
				must(w.PutBrick(&db.Brick{ID: id, VolumeID: v, DeviceID: d, NodeID: n,
					Path: "/var/lib/heketi/mounts/vg_" + d + "/brick_" + id + "/brick", SizeKiB: size, TpSizeKiB: size,
					PoolMetadataSizeKiB: 8192 + uint64(j)*4096, ThinPool: "tp_" + id, LV: "brick_" + id, SubType: db.BrickSubTypeNormal}))
			}
		}
		must(w.PutBlockVolume(&db.BlockVolume{ID: bvID, ClusterID: cID, BlockHostingVolume: bhvID, Name: "blk", SizeGiB: 1,
			UsableSizeGiB: 1, HACount: 3, Auth: true, Hosts: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"},
			IQN: "iqn.2016-12.org.gluster-block:x", LUN: 0, Username: "u", Password: "p"}))
		return nil
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

func export(t *testing.T, s db.Store) *Dump {
	t.Helper()
	var d *Dump
	if err := s.View(func(r db.Reader) error {
		var err error
		d, err = Export(r)
		return err
	}); err != nil {
		t.Fatalf("Export: expected no error, got %v", err)
	}
	return d
}

func encode(t *testing.T, v any) string {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// withoutGeneration returns the dump's JSON with the generation id blanked.
func withoutGeneration(t *testing.T, d *Dump) string {
	t.Helper()
	c := *d
	c.DBAttributes = map[string]DBAttributeEntry{}
	for k, v := range d.DBAttributes {
		if k == AttrGenerationID {
			v.Value = "<generation>"
		}
		c.DBAttributes[k] = v
	}
	return encode(t, &c)
}

func TestRoundTrip(t *testing.T) {
	src := openStore(t, "src.db")
	fill(t, src)
	first := export(t, src)

	// Through JSON, as the command line and the HTTP route do.
	var decoded Dump
	if err := json.Unmarshal([]byte(encode(t, first)), &decoded); err != nil {
		t.Fatal(err)
	}
	dst := openStore(t, "dst.db")
	if err := dst.Update(func(w db.Writer) error { return Import(&decoded, w) }); err != nil {
		t.Fatalf("Import: expected no error, got %v", err)
	}
	second := export(t, dst)
	if a, b := withoutGeneration(t, first), withoutGeneration(t, second); a != b {
		t.Fatalf("export -> import -> export changed the dump:\nfirst:\n%s\nsecond:\n%s", a, b)
	}
	g1, g2 := first.DBAttributes[AttrGenerationID].Value, second.DBAttributes[AttrGenerationID].Value
	if g1 == "" || g1 == g2 {
		t.Errorf("expected import to renew the generation id, got %q before and %q after", g1, g2)
	}
	// Import registers hostnames (Heketi's import does not).
	err := dst.View(func(r db.Reader) error {
		for host, want := range map[string]string{"node1.mgmt": n1, "node4.mgmt": nNew} {
			if got, _ := r.NodeIDByManageHostname(host); got != want {
				t.Errorf("manage hostname %s: expected node %s, got %q", host, want, got)
			}
		}
		if got, _ := r.NodeIDByStorageHostname("10.0.0.2"); got != n2 {
			t.Errorf("storage hostname 10.0.0.2: expected node %s, got %q", n2, got)
		}
		if got, _ := r.VolumeIDByName(cID, "bhv"); got != bhvID {
			t.Errorf("volume name bhv: expected %s, got %q", bhvID, got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExportShape(t *testing.T) {
	t.Run("empty store", func(t *testing.T) {
		out := encode(t, export(t, openStore(t, "empty.db")))
		for _, key := range []string{"clusterentries", "volumeentries", "brickentries", "nodeentries",
			"deviceentries", "blockvolumeentries", "pendingoperations"} {
			if !strings.Contains(out, `"`+key+`": {}`) {
				t.Errorf("expected %q to be {} in an empty dump, got:\n%s", key, out)
			}
		}
		for _, k := range append([]string{AttrGenerationID}, markerAttrs...) {
			if !strings.Contains(out, `"`+k+`": {`) {
				t.Errorf("expected attribute %s in the dump, got:\n%s", k, out)
			}
		}
	})
	t.Run("field names", func(t *testing.T) {
		s := openStore(t, "shape.db")
		fill(t, s)
		d := export(t, s)
		var generic map[string]map[string]map[string]any
		if err := json.Unmarshal([]byte(encode(t, d)), &generic); err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			bucket, id string
			keys       []string
		}{
			{"clusterentries", cID, []string{"Info"}},
			{"nodeentries", n1, []string{"State", "Info", "Devices"}},
			{"deviceentries", d1, []string{"State", "Info", "Bricks", "NodeId", "ExtentSize"}},
			{"volumeentries", vID, []string{"Info", "Bricks", "GlusterVolumeOptions", "Pending"}},
			{"brickentries", "0" + d1[1:], []string{"Info", "TpSize", "PoolMetadataSize", "Pending", "LvmThinPool", "LvmLv", "SubType"}},
			{"blockvolumeentries", bvID, []string{"Info", "Pending"}},
			{"pendingoperations", opID, []string{"Id", "Timestamp", "Type", "Actions", "Status", "Phase", "Steps", "Error"}},
			{"dbattributeentries", AttrHasPendingOpsBucket, []string{"Key", "Value"}},
		}
		for _, c := range checks {
			e, ok := generic[c.bucket][c.id]
			if !ok {
				t.Errorf("%s: expected entry %s, got none", c.bucket, c.id)
				continue
			}
			for _, k := range c.keys {
				if _, ok := e[k]; !ok {
					t.Errorf("%s %s: expected field %s, got %v", c.bucket, c.id, k, e)
				}
			}
			if len(e) != len(c.keys) {
				t.Errorf("%s %s: expected exactly fields %v, got %v", c.bucket, c.id, c.keys, e)
			}
		}
		if _, ok := generic["nodeentries"][nNew]["Pending"]; !ok {
			t.Errorf("expected a node being added to carry Pending, got %v", generic["nodeentries"][nNew])
		}
		c := d.Clusters[cID].Info
		if strings.Join(c.Nodes, ",") != strings.Join([]string{n1, n2, n3, nNew}, ",") ||
			strings.Join(c.Volumes, ",") != vID+","+bhvID || strings.Join(c.BlockVolumes, ",") != bvID {
			t.Errorf("cluster info: expected sorted nodes, volumes and block volumes, got %+v", c)
		}
		n := encode(t, d.Nodes[n1].Info)
		want := `"zone": 1,` // Info holds the API fields in API order
		if !strings.Contains(n, want) || !strings.Contains(n, `"hostnames"`) || !strings.Contains(n, `"cluster": "`+cID) ||
			!strings.Contains(n, `"tags"`) || !strings.Contains(n, `"id": "`+n1) {
			t.Errorf("node Info: expected zone, hostnames, cluster, tags and id, got %s", n)
		}
		v := d.Volumes[vID].Info
		if v.Mount.GlusterFS.MountPoint != "10.0.0.1:vol_"+vID || v.Mount.GlusterFS.Options["backup-volfile-servers"] != "10.0.0.2,10.0.0.3" {
			t.Errorf("volume mount: expected 10.0.0.1 with backups 10.0.0.2,10.0.0.3 (node being added left out), got %+v", v.Mount)
		}
		if got := d.Volumes[bhvID].Info.BlockInfo.BlockVolumes; len(got) != 1 || got[0] != bvID {
			t.Errorf("block-hosting volume: expected block volumes [%s], got %v", bvID, got)
		}
		for _, k := range markerAttrs {
			if d.DBAttributes[k].Value != "yes" {
				t.Errorf("attribute %s: expected yes, got %q", k, d.DBAttributes[k].Value)
			}
		}
	})
}

func TestImportRefuses(t *testing.T) {
	src := openStore(t, "src.db")
	fill(t, src)
	good := encode(t, export(t, src))
	tests := []struct {
		name string
		edit func(d *Dump)
		want string
	}{
		{"unknown durability", func(d *Dump) {
			v := d.Volumes[vID]
			v.Info.Durability.Type = "mirror"
			d.Volumes[vID] = v
		}, "Not a known volume durability type: mirror"},
		{"node of a missing cluster", func(d *Dump) { delete(d.Clusters, cID) }, "node " + n1 + " refers to cluster " + cID + ", which is not in the dump"},
		{"brick missing from its device", func(d *Dump) {
			dev := d.Devices[d1]
			dev.Bricks = dev.Bricks[1:]
			d.Devices[d1] = dev
		}, "brick 0" + d1[1:] + " refers to device " + d1 + ", which does not list it"},
		{"listed brick not in dump", func(d *Dump) { delete(d.Bricks, "0"+d1[1:]) }, "device " + d1 + " lists brick 0" + d1[1:] + ", which is not in the dump"},
		{"brick on the wrong node", func(d *Dump) {
			b := d.Bricks["0"+d1[1:]]
			b.Info.NodeID = n2
			d.Bricks["0"+d1[1:]] = b
		}, "brick 0" + d1[1:] + " is on node " + n2 + ", but its device " + d1 + " is on node " + n1},
		{"key differs from id", func(d *Dump) {
			c := d.Clusters[cID]
			c.Info.ID = "c0000000000000000000000000000009"
			d.Clusters[cID] = c
		}, "cluster key " + cID + " holds cluster"},
		{"unknown attribute", func(d *Dump) {
			d.DBAttributes["DB_FROM_THE_FUTURE"] = DBAttributeEntry{Key: "DB_FROM_THE_FUTURE", Value: "yes"}
		}, "unknown database attribute DB_FROM_THE_FUTURE"},
		{"duplicate hostname", func(d *Dump) {
			n := d.Nodes[n2]
			n.Info.Hostnames.Manage = []string{"node1.mgmt"}
			d.Nodes[n2] = n
		}, "Hostname node1.mgmt already used by node with id " + n1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Dump
			if err := json.Unmarshal([]byte(good), &d); err != nil {
				t.Fatal(err)
			}
			tc.edit(&d)
			dst := openStore(t, "dst.db")
			err := dst.Update(func(w db.Writer) error { return Import(&d, w) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("expected an error containing %q, got %v", tc.want, err)
			}
			var n int
			_ = dst.View(func(r db.Reader) error {
				ids, _ := r.ClusterIDs()
				n = len(ids)
				return nil
			})
			if n != 0 {
				t.Errorf("expected a refused import to write nothing, got %d clusters", n)
			}
		})
	}
	t.Run("non-empty store", func(t *testing.T) {
		var d Dump
		if err := json.Unmarshal([]byte(good), &d); err != nil {
			t.Fatal(err)
		}
		err := src.Update(func(w db.Writer) error { return Import(&d, w) })
		if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "import needs an empty database") {
			t.Fatalf("expected a Conflict saying the database must be empty, got %v", err)
		}
	})
}

func TestImportHeketiDump(t *testing.T) {
	// A dump as Heketi writes it: no Basalt extensions, request options in
	// Info, Clusters and Mount present, pending ops bucket present.
	heketi := `{
    "clusterentries": {"` + cID + `": {"Info": {"id": "` + cID + `", "nodes": ["` + n1 + `"], "volumes": ["` + vID + `"], "block": true, "file": true, "blockvolumes": []}}},
    "volumeentries": {"` + vID + `": {"Info": {"size": 1, "name": "v", "durability": {"type": "none", "replicate": {}, "disperse": {}},
        "glustervolumeoptions": ["a b"], "snapshot": {"enable": false, "factor": 1}, "id": "` + vID + `", "cluster": "` + cID + `",
        "mount": {"glusterfs": {"hosts": ["10.0.0.1"], "device": "10.0.0.1:v", "options": {"backup-volfile-servers": ""}}}, "blockinfo": {}},
        "Bricks": ["` + "0" + d1[1:] + `"], "GlusterVolumeOptions": ["x y", "a b"], "Pending": {"Id": ""}}},
    "brickentries": {"` + "0" + d1[1:] + `": {"Info": {"id": "` + "0" + d1[1:] + `", "path": "/p", "device": "` + d1 + `", "node": "` + n1 + `", "volume": "` + vID + `", "size": 1048576},
        "TpSize": 1048576, "PoolMetadataSize": 8192, "Pending": {"Id": ""}, "LvmThinPool": "tp_1", "LvmLv": "", "SubType": 1}},
    "nodeentries": {"` + n1 + `": {"State": "online", "Info": {"zone": 1, "hostnames": {"manage": ["m1"], "storage": ["10.0.0.1"]}, "cluster": "` + cID + `", "id": "` + n1 + `"}, "Devices": ["` + d1 + `"]}},
    "deviceentries": {"` + d1 + `": {"State": "online", "Info": {"name": "/dev/sdb", "storage": {"total": 2097152, "free": 1040384, "used": 1056768}, "id": "` + d1 + `"},
        "Bricks": ["` + "0" + d1[1:] + `"], "NodeId": "` + n1 + `", "ExtentSize": 4096}},
    "blockvolumeentries": {},
    "dbattributeentries": {"DB_GENERATION_ID": {"Key": "DB_GENERATION_ID", "Value": "0123"}, "DB_HAS_PENDING_OPS_BUCKET": {"Key": "DB_HAS_PENDING_OPS_BUCKET", "Value": "yes"}},
    "pendingoperations": {}
}`
	var d Dump
	if err := json.Unmarshal([]byte(heketi), &d); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, "heketi.db")
	if err := s.Update(func(w db.Writer) error { return Import(&d, w) }); err != nil {
		t.Fatalf("Import of a Heketi dump: expected no error, got %v", err)
	}
	err := s.View(func(r db.Reader) error {
		v, err := r.Volume(vID)
		if err != nil {
			return err
		}
		if strings.Join(v.Options, ",") != "x y,a b" {
			t.Errorf("volume options: expected the entry's effective list [x y, a b], got %v", v.Options)
		}
		if id, _ := r.NodeIDByManageHostname("m1"); id != n1 {
			t.Errorf("manage hostname m1: expected it registered to %s, got %q", n1, id)
		}
		if gen, _ := r.Meta(db.MetaGenerationID); gen == "0123" {
			t.Errorf("generation id: expected a new one, got the dump's %q", gen)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
