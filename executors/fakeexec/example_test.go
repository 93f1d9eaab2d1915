package fakeexec_test

import (
	"context"
	"fmt"
	"time"

	"github.com/basalt-storage/basalt/executors/fakeexec"
)

func Example() {
	f := fakeexec.New(fakeexec.Options{})
	f.AddNode("node1.mgmt", "10.0.0.1").AddDisk("/dev/sdb", 100<<20)
	ctx := context.Background()

	// Device add, as cmdexec renders it.
	res, err := f.Run(ctx, "node1.mgmt", []string{
		"/usr/sbin/lvm pvcreate -qq --metadatasize=128M --dataalignment=256K '/dev/sdb'",
		"/usr/sbin/lvm vgcreate -qq --physicalextentsize=4M --autobackup=n vg_1 /dev/sdb",
		"/usr/sbin/lvm vgdisplay -c vg_1",
	}, 5*time.Minute)
	fmt.Println(err, len(res))
	fmt.Println(f.Node("node1.mgmt").Snapshot().VGs[0].TotalExtents)

	// A fault: the next lvcreate on node1 fails like LVM would.
	remove := f.Inject(fakeexec.Fault{Host: "node1.mgmt", Match: `lvcreate`, Times: 1, ExitStatus: 5, Stderr: "  injected\n"})
	defer remove()
	_, err = f.Run(ctx, "node1.mgmt", []string{"/usr/sbin/lvm lvcreate -qq -L 4M -n lv vg_1"}, time.Minute)
	fmt.Println(err)

	// Nothing was left behind.
	fmt.Println(len(f.Leaks("")))
	// Output:
	// <nil> 3
	// 25567
	// injected
	// 0
}
