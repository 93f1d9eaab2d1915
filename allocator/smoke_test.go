package allocator

import "testing"

func TestSmoke(t *testing.T) {
	c := topology(3, 1, 2, oneZone)
	req := replica3(10)
	req.MaxBricksPerVolume = 100
	_, err := Place(c, req)
	t.Log(err)
	c = topology(2, 4, 100, oneZone)
	_, err = Place(c, req)
	t.Log(err)
	c = topology(3, 1, 100, ownZone)
	c.Nodes[2].Devices[0].FreeKiB = testGiB
	req = replica3(10)
	req.ZoneChecking = ZoneCheckingStrict
	_, err = PlaceAny([]Cluster{c}, req)
	t.Log(err)
	_, err = Place(c, req)
	t.Log(err)
	c2 := c
	c2.ID = "c2"
	_, err = PlaceAny([]Cluster{c, c2, {ID: "c3"}}, req)
	t.Log(err)
	p := mustPlace(t, topology(3, 1, 100, oneZone), replica3(10))
	t.Logf("%+v", p)
}
