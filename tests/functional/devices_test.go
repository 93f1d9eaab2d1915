package functional

import (
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

func TestDeviceAddAndInfo(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)

	cases := []struct {
		name   string
		body   any
		status int
		text   string
	}{
		{"empty body", nil, 422, "request unable to be parsed"},
		{"bad name", map[string]any{"node": n, "name": "sdb"}, 400, "validation failed: name: must be in a valid format."},
		{"blank name", map[string]any{"node": n}, 400, "validation failed: name: cannot be blank."},
		{"bad node", map[string]any{"node": "abc", "name": "/dev/sdb"}, 400, "validation failed: node: abc is not a valid UUID."},
		{"unknown node", map[string]any{"node": "0123456789abcdef0123456789abcdef", "name": "/dev/sdb"}, 404, "Node id does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, tc.name, e.do("POST", "/devices", tc.body), tc.status, tc.text+"\n")
		})
	}

	e.fake.ResetCommands()
	r := e.wait(e.do("POST", "/devices", map[string]any{"node": n, "name": "/dev/sdb", "tags": map[string]string{"disk": "ssd"}}))
	expect(t, "device add ends in 204", r, http.StatusNoContent, "")
	info := e.nodeInfo(n)
	if len(info.Devices) != 1 {
		t.Fatalf("expected one device, got %+v", info.Devices)
	}
	d := info.Devices[0]
	if d.Name != "/dev/sdb" || d.State != "online" || d.Tags["disk"] != "ssd" || d.PVUUID == "" || len(d.Bricks) != 0 {
		t.Fatalf("unexpected device %+v", d)
	}
	// Sizes come from vgdisplay: a 10 GiB disk minus LVM metadata, in KiB.
	if d.Storage.Total == 0 || d.Storage.Total > diskKiB || d.Storage.Free != d.Storage.Total || d.Storage.Used != 0 {
		t.Fatalf("unexpected storage %+v for a %d KiB disk", d.Storage, diskKiB)
	}
	if !contains(d.Paths, "/dev/sdb") {
		t.Errorf("expected /dev/sdb among paths, got %v", d.Paths)
	}
	want := []string{
		"/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdb'",
		"/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n vg_" + d.ID + " /dev/sdb",
		"/usr/sbin/lvm pvs -o pv_name,pv_uuid,vg_name --reportformat=json /dev/sdb",
		"/usr/bin/udevadm info --query=symlink --name=/dev/sdb",
		"/usr/sbin/lvm vgdisplay -c vg_" + d.ID,
	}
	if got := e.fake.CommandLines("n1.example.com"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("device add commands:\nexpected\n%s\ngot\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !e.hasVG("n1.example.com", "vg_"+d.ID) {
		t.Fatalf("expected vg_%s on the node", d.ID)
	}

	di := e.do("GET", "/devices/"+d.ID, nil)
	if di.status != 200 || !strings.HasPrefix(di.body, `{"name":"/dev/sdb","tags":{"disk":"ssd"},"storage":{"total":`) ||
		!strings.Contains(di.body, `"state":"online","bricks":[]}`) {
		t.Fatalf("device info shape: %d %s", di.status, di.body)
	}
	expect(t, "missing device", e.do("GET", "/devices/0123456789abcdef0123456789abcdef", nil), 404, "Id not found\n")
}

func TestDeviceAddFailureLeavesNothing(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	e.fake.Inject(fakeexec.Fault{Match: "vgcreate", ExitStatus: 5, Stderr: "  Device /dev/sdc excluded by a filter."})
	r := e.wait(e.do("POST", "/devices", map[string]any{"node": n, "name": "/dev/sdc"}))
	if r.status != 500 || !strings.HasPrefix(r.body, "Initializing device /dev/sdc failed") {
		t.Fatalf("expected 500 Initializing device ... failed, got %d %q", r.status, r.body)
	}
	if devs := e.nodeInfo(n).Devices; len(devs) != 0 {
		t.Fatalf("a failed add must not leave a device, got %+v", devs)
	}
	if vgs := e.fake.Node("n1.example.com").Snapshot().VGs; len(vgs) != 0 {
		t.Fatalf("a failed add must not leave a VG, got %v", vgs)
	}
}

func TestDeviceStateDeleteResyncTags(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	d := e.mustAddDevice(n, "/dev/sdb")
	state := func(s string) response {
		return e.wait(e.do("POST", "/devices/"+d+"/state", map[string]string{"state": s}))
	}

	expect(t, "delete online device", e.do("DELETE", "/devices/"+d, nil), 400, "device: "+d+" is not in failed state\n")
	expect(t, "online->failed", state("failed"), 500, "Device must be offline before remove operation is performed, device:"+d+"\n")
	expect(t, "online->offline", state("offline"), 204, "")
	expect(t, "offline->online", state("online"), 204, "")
	expect(t, "online->offline", state("offline"), 204, "")
	expect(t, "offline->failed", state("failed"), 204, "")
	expect(t, "failed->online", state("online"), 500, "Cannot move a failed/removed device to online state\n")
	expect(t, "bad healcheck", e.do("POST", "/devices/"+d+"/state", `{"state":"offline","healcheck":"maybe"}`), 400, "validation failed: healcheck: must be a valid value.\n")

	tags := e.do("POST", "/devices/"+d+"/tags", `{"change_type":"update","tags":{"arbiter":"required"}}`)
	expect(t, "device tags", tags, 200, `{"arbiter":"required"}`+"\n")

	// Resync is asynchronous even though it is a GET; its 202 carries an anchor.
	rs := e.do("GET", "/devices/"+d+"/resync", nil)
	if rs.status != 202 || rs.body != `<a href="`+rs.header.Get("Location")+`">Accepted</a>.`+"\n\n" {
		t.Fatalf("resync 202: got %d %q", rs.status, rs.body)
	}
	expect(t, "resync", e.wait(rs), 204, "")

	// Delete with a body (forceforget) is accepted.
	expect(t, "delete", e.wait(e.do("DELETE", "/devices/"+d, `{"forceforget":false}`)), 204, "")
	expect(t, "device gone", e.do("GET", "/devices/"+d, nil), 404, "Id not found\n")
	if e.hasVG("n1.example.com", "vg_"+d) {
		t.Fatal("device delete must remove the VG")
	}
	if devs := e.nodeInfo(n).Devices; len(devs) != 0 {
		t.Fatalf("expected no devices, got %+v", devs)
	}
}

func TestDeviceDeleteTeardownFailureKeepsDevice(t *testing.T) {
	e := newEnv(t)
	c := e.mustCreateCluster()
	n := e.mustAddNode(c, "n1.example.com", "10.0.0.1", 1)
	d := e.mustAddDevice(n, "/dev/sdb")
	e.wait(e.do("POST", "/devices/"+d+"/state", `{"state":"offline"}`))
	e.wait(e.do("POST", "/devices/"+d+"/state", `{"state":"failed"}`))
	remove := e.fake.Inject(fakeexec.Fault{Match: "vgremove", ExitStatus: 5, Stderr: "  Logical volume vg_x/lv in use."})
	expect(t, "teardown failure", e.wait(e.do("DELETE", "/devices/"+d, nil)), 500, "Logical volume vg_x/lv in use.\n")
	if r := e.do("GET", "/devices/"+d, nil); r.status != 200 {
		t.Fatalf("device must survive a failed teardown, got %d", r.status)
	}
	remove()
	expect(t, "retry delete", e.wait(e.do("DELETE", "/devices/"+d, nil)), 204, "")
}
