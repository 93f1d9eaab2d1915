package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/basalt-storage/basalt/client"
	"github.com/basalt-storage/basalt/client/api"
)

// Example shows a typical session: create a volume and wait for it.
func Example() {
	c, err := client.New("https://heketi.example.com:8080", "admin", "secret",
		client.WithTLS(client.TLSConfig{CAFiles: []string{"/etc/heketi/ca.pem"}}))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	vol, err := c.VolumeCreate(ctx, &api.VolumeCreateRequest{
		Size:       10,
		Durability: api.VolumeDurabilityInfo{Type: api.DurabilityReplicate, Replicate: api.ReplicaDurability{Replica: 3}},
	})
	if client.StatusCode(err) == 500 {
		log.Fatalf("no room for the volume: %v", err)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vol.Mount.GlusterFS.MountPoint)
}
