package glusterfs

import (
	"testing"
	"time"
)

func TestNodeHealthyCache(t *testing.T) {
	a := New(nil, nil, Options{})
	now := time.Now()
	a.bg.health = map[string]nodeHealth{
		"up":          {up: true, checked: now},
		"down":        {up: false, checked: now},
		"down-recent": {up: false, checked: now.Add(-healthTTL + time.Minute)},
		"down-old":    {up: false, checked: now.Add(-healthTTL - time.Minute)},
	}
	for id, want := range map[string]bool{
		"up": true, "down": false, "down-recent": false,
		"down-old": true, // expired: counts as unknown
		"unknown":  true,
	} {
		if got := a.NodeHealthy(id); got != want {
			t.Errorf("NodeHealthy(%q): expected %v, got %v", id, want, got)
		}
	}
}
