package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/basalt-storage/basalt/client/api"
)

// awkward holds strings encoding/json treats specially.
var awkward = []string{"", "plain", `q"uote`, `back\slash`, "<a href='x'>&</a>", "tab\there", "nl\ncr\r",
	"\b\f\x00\x1f\x7f", "é ü 日本", "\u2028\u2029", "bad\xffutf8\xc3", "\xed\xa0\x80", "/var/lib/heketi/mounts/vg_x/brick_y/brick"}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return awkward[r.IntN(len(awkward))]
	}
	n := r.IntN(12)
	bs := make([]byte, n)
	for i := range bs {
		bs[i] = byte(r.IntN(256))
	}
	return string(bs)
}

func randomStrings(r *rand.Rand) []string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+r.IntN(3))
	for i := range out {
		out[i] = randomString(r)
	}
	return out
}

func randomTags(r *rand.Rand) map[string]string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return map[string]string{}
	}
	m := map[string]string{}
	for i := 0; i < 1+r.IntN(4); i++ {
		m[randomString(r)] = randomString(r)
	}
	return m
}

func randomDevice(r *rand.Rand) api.DeviceInfoResponse {
	d := api.DeviceInfoResponse{
		DeviceInfo: api.DeviceInfo{
			Device:  api.Device{Name: randomString(r), Tags: randomTags(r)},
			Storage: api.StorageSize{Total: r.Uint64(), Free: r.Uint64N(1000), Used: 0},
			ID:      randomString(r),
			Paths:   randomStrings(r),
			PVUUID:  randomString(r),
		},
		State: api.EntryState(randomString(r)),
	}
	if r.IntN(4) > 0 {
		d.Bricks = []api.BrickInfo{}
		for i := 0; i < r.IntN(5); i++ {
			d.Bricks = append(d.Bricks, api.BrickInfo{ID: randomString(r), Path: randomString(r),
				DeviceID: randomString(r), NodeID: randomString(r), VolumeID: randomString(r), Size: r.Uint64()})
		}
	}
	return d
}

// TestInfoJSONMatchesEncodingJSON compares the hand-written node and device
// answers with encoding/json's on random values full of awkward strings.
func TestInfoJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		n := &api.NodeInfoResponse{
			NodeInfo: api.NodeInfo{
				NodeAddRequest: api.NodeAddRequest{Zone: r.IntN(2000) - 1000,
					Hostnames: api.HostAddresses{Manage: randomStrings(r), Storage: randomStrings(r)},
					ClusterID: randomString(r), Tags: randomTags(r)},
				ID: randomString(r),
			},
			State: api.EntryState(randomString(r)),
		}
		if r.IntN(4) > 0 {
			n.DevicesInfo = []api.DeviceInfoResponse{}
			for j := 0; j < r.IntN(4); j++ {
				n.DevicesInfo = append(n.DevicesInfo, randomDevice(r))
			}
		}
		for _, v := range []any{n, func() any { d := randomDevice(r); return &d }()} {
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendInfoJSON(nil, v)
			if !ok {
				t.Fatalf("%T not handled", v)
			}
			if string(got) != string(want)+"\n" {
				t.Fatalf("case %d, %T:\n got  %s\n want %s", i, v, got, want)
			}
		}
	}
	if _, ok := appendInfoJSON(nil, &api.ClusterInfoResponse{}); ok {
		t.Error("a type without a hand-written encoding was claimed")
	}
}

// FuzzAppendJSONString: any string is quoted exactly as encoding/json
// quotes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// BenchmarkNodeInfoJSON encodes a node of 10,000 bricks both ways.
func BenchmarkNodeInfoJSON(b *testing.B) {
	n := &api.NodeInfoResponse{State: "online"}
	n.Hostnames = api.HostAddresses{Manage: []string{"n1"}, Storage: []string{"10.0.0.1"}}
	for d := 0; d < 4; d++ {
		dev := api.DeviceInfoResponse{State: "online", Bricks: []api.BrickInfo{}}
		dev.ID = fmt.Sprintf("%032x", d)
		for i := 0; i < 2500; i++ {
			id := fmt.Sprintf("%032x", d*10000+i)
			dev.Bricks = append(dev.Bricks, api.BrickInfo{ID: id, Path: "/var/lib/heketi/mounts/vg_" + dev.ID + "/brick_" + id + "/brick",
				DeviceID: dev.ID, NodeID: "n1", VolumeID: id, Size: 1 << 20})
		}
		n.DevicesInfo = append(n.DevicesInfo, dev)
	}
	b.Run("by-hand", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = appendInfoJSON(buf[:0], n)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
