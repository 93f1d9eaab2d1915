//go:build race

package client

// The race detector makes code several times slower: timing bounds are not
// checked under it.
func init() { raceEnabled = true }
