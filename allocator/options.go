package allocator

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/basalt-storage/basalt/internal/errs"
)

// Volume option keys with a meaning for placement (heketi-facts §8.5).
const (
	OptionArbiter         = "user.heketi.arbiter"
	OptionAverageFileSize = "user.heketi.average-file-size"
	OptionZoneChecking    = "user.heketi.zone-checking"
	OptionDeviceTagMatch  = "user.heketi.device-tag-match"
)

// ArbiterTag is the node or device tag that says whether a device may hold
// arbiter bricks: ArbiterRequired, ArbiterSupported (also when missing or
// any other value) or ArbiterDisabled.
const (
	ArbiterTag       = "arbiter"
	ArbiterRequired  = "required"
	ArbiterSupported = "supported"
	ArbiterDisabled  = "disabled"
)

// tagRuleRE is Heketi's rule syntax, kept with its quirk: ".-_" is the
// character range 0x2E-0x5F, so keys and values may also hold / : ; < = > ?
// @ [ \ ] ^, digits and upper case letters.
var tagRuleRE = regexp.MustCompile(`^([a-zA-Z0-9.-_]+)(\!?=)([a-zA-Z0-9.-_]+)$`)

// tagRule is a parsed device tag match rule.
type tagRule struct {
	raw        string
	key, value string
	negate     bool
}

// parseTagRule parses a user.heketi.device-tag-match value; "" is no rule.
func parseTagRule(s string) (*tagRule, error) {
	if s == "" {
		return nil, nil
	}
	m := tagRuleRE.FindStringSubmatch(s)
	if m == nil {
		return nil, errs.Newf(errs.Invalid, "Invalid tag matching rule: Invalid tag match rule: %s", s)
	}
	return &tagRule{raw: s, key: m[1], value: m[3], negate: m[2] == "!="}, nil
}

// match applies the rule to the merged tags; a missing tag is "".
func (r *tagRule) match(node, dev map[string]string) bool {
	v := mergedTag(node, dev, r.key)
	if r.negate {
		return v != r.value
	}
	return v == r.value
}

// mergedTag returns tag key of the node overlaid by the device's tags.
func mergedTag(node, dev map[string]string, key string) string {
	if v, ok := dev[key]; ok {
		return v
	}
	return node[key]
}

// ParseVolumeOptions extracts the placement options from a volume's
// glustervolumeoptions ("<key> <value>", split at the first space, later
// duplicates win). The arbiter flag follows strconv.ParseBool (unparsable is
// false); zoneChecking is "" when absent, "strict", or "none" for any other
// value; tagMatch is the raw rule; avgFileSizeKiB is 0 when absent, zero or
// unparsable. err is the errs.Invalid error Place would return for a
// malformed tag rule.
func ParseVolumeOptions(opts []string) (arbiter bool, zoneChecking, tagMatch string, avgFileSizeKiB uint64, err error) {
	for _, o := range opts {
		key, value, _ := strings.Cut(o, " ")
		switch key {
		case OptionArbiter:
			b, perr := strconv.ParseBool(value)
			arbiter = perr == nil && b
		case OptionAverageFileSize:
			n, perr := strconv.ParseUint(value, 10, 64)
			if perr != nil {
				n = 0
			}
			avgFileSizeKiB = n
		case OptionZoneChecking:
			if value == ZoneCheckingStrict {
				zoneChecking = ZoneCheckingStrict
			} else {
				zoneChecking = ZoneCheckingNone
			}
		case OptionDeviceTagMatch:
			tagMatch = value
		}
	}
	_, err = parseTagRule(tagMatch)
	return arbiter, zoneChecking, tagMatch, avgFileSizeKiB, err
}
