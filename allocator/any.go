package allocator

import (
	"errors"
	"strings"

	"github.com/basalt-storage/basalt/internal/errs"
)

// PlaceAny tries the clusters in order (the request's order, or sorted ids)
// and returns the first plan. Failures are aggregated as Heketi does
// (heketi-facts §8.1 step 3): No space-class failures (including Maximum
// number of bricks reached. and Minimum brick size limit reached.) become
// "No space: <explanation>", No nodes in cluster and No online storage
// devices in cluster are kept; a single failure is returned alone, several
// as "Unable to create volume on any cluster:" followed by one
// "Cluster <id>: <err>" line each, in cluster order. Any other error (a bad
// tag rule, a bad request) is returned at once. The result has kind
// errs.NoSpace and wraps the PlacementError of the last cluster.
func PlaceAny(clusters []Cluster, req Request) (*Plan, error) {
	if len(clusters) == 0 {
		return nil, errs.New(errs.Invalid, "No clusters configured")
	}
	var lines []string
	var last *PlacementError
	for _, c := range clusters {
		plan, err := Place(c, req)
		if err == nil {
			return plan, nil
		}
		var pe *PlacementError
		if !errors.As(err, &pe) {
			return nil, err
		}
		text := pe.Error()
		if pe.spaceClass() {
			text = textNoSpace
			if pe.Detail != "" {
				text += ": " + lowerFirst(pe.Detail)
			}
		}
		if len(clusters) == 1 {
			return nil, &errs.Error{Kind: errs.NoSpace, Msg: text, Err: pe}
		}
		lines = append(lines, "Cluster "+c.ID+": "+text)
		last = pe
	}
	return nil, &errs.Error{Kind: errs.NoSpace, Msg: textAnyCluster + "\n" + strings.Join(lines, "\n"), Err: last}
}

// lowerFirst lower-cases the first letter of an ASCII sentence.
func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]-'A'+'a') + s[1:]
	}
	return s
}
