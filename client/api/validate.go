package api

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/basalt-storage/basalt/internal/idgen"
)

// Validation regexes (Heketi's, facts 5).
var (
	deviceNameRe = regexp.MustCompile(`^/[a-zA-Z0-9_.:/-]+$`)
	volumeNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	tagNameRe    = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	dnsNameRe    = regexp.MustCompile(`^([a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62}){1}(\.[a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62})*[\._]?$`)
)

// Field validation messages in go-ozzo-validation wording, which Heketi clients see.
const (
	msgBlank        = "cannot be blank"
	msgFormat       = "must be in a valid format"
	msgValidValue   = "must be a valid value"
	maxTags         = 32
	maxTagNameRunes = 32
	maxTagValRunes  = 64
)

// ValidationError is a failed request validation. Its text follows Heketi's
// format: "validation failed: <field>: <msg>; <field>: <msg>." with fields sorted.
type ValidationError struct {
	fields fieldErrors
}

func (e *ValidationError) Error() string { return "validation failed: " + e.fields.String() }

// fieldErrors maps a JSON field name to a message or to nested fieldErrors.
type fieldErrors map[string]any

func (fe fieldErrors) String() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		switch v := fe[k].(type) {
		case fieldErrors:
			fmt.Fprintf(&b, "%s: (%s)", k, v.String())
		default:
			fmt.Fprintf(&b, "%s: %v", k, v)
		}
	}
	b.WriteString(".")
	return b.String()
}

// result returns nil when there are no field errors.
func (fe fieldErrors) result() error {
	if len(fe) == 0 {
		return nil
	}
	return &ValidationError{fields: fe}
}

// ValidateID checks Heketi's "UUID" rule: empty or exactly 32 hex characters.
func validateID(s string) string {
	if s == "" || idgen.Valid(s) {
		return ""
	}
	return s + " is not a valid UUID"
}

func isHost(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	return len(s) <= 255 && dnsNameRe.MatchString(s)
}

func validateHostnames(hosts []string, kind string) string {
	if len(hosts) == 0 {
		return msgBlank
	}
	for _, h := range hosts {
		if !isHost(h) {
			return fmt.Sprintf("%v is not a valid %s hostname", hosts, kind)
		}
	}
	return ""
}

// ValidateTags checks Heketi's tag rules (facts 5.8) and returns "" when valid.
func ValidateTags(tags map[string]string) string {
	if len(tags) > maxTags {
		return fmt.Sprintf("too many tags specified (%d), up to %d supported", len(tags), maxTags)
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic: report the first bad tag in key order
	for _, k := range keys {
		n := utf8.RuneCountInString(k)
		switch {
		case n == 0:
			return "tag names may not be empty"
		case n > maxTagNameRunes:
			return fmt.Sprintf("tag name %s: the length must be between 1 and %d", k, maxTagNameRunes)
		case !tagNameRe.MatchString(k):
			return fmt.Sprintf("invalid characters in tag name %s", k)
		}
		if utf8.RuneCountInString(tags[k]) > maxTagValRunes {
			return fmt.Sprintf("value of tag %s: the length must be no more than %d", k, maxTagValRunes)
		}
	}
	return ""
}

// Validate checks a node add request.
func (r *NodeAddRequest) Validate() error {
	fe := fieldErrors{}
	switch {
	case r.Zone == 0:
		fe["zone"] = msgBlank
	case r.Zone < 1:
		fe["zone"] = "must be no less than 1"
	}
	hosts := fieldErrors{}
	if m := validateHostnames(r.Hostnames.Manage, "manage"); m != "" {
		hosts["manage"] = m
	}
	if m := validateHostnames(r.Hostnames.Storage, "storage"); m != "" {
		hosts["storage"] = m
	}
	if len(hosts) > 0 {
		fe["hostnames"] = hosts
	}
	if r.ClusterID == "" {
		fe["cluster"] = msgBlank
	} else if m := validateID(r.ClusterID); m != "" {
		fe["cluster"] = m
	}
	if m := ValidateTags(r.Tags); m != "" {
		fe["tags"] = m
	}
	return fe.result()
}

// Validate checks a device add request.
func (r *DeviceAddRequest) Validate() error {
	fe := fieldErrors{}
	if r.Name == "" {
		fe["name"] = msgBlank
	} else if !deviceNameRe.MatchString(r.Name) {
		fe["name"] = msgFormat
	}
	if r.NodeID == "" {
		fe["node"] = msgBlank
	} else if m := validateID(r.NodeID); m != "" {
		fe["node"] = m
	}
	if m := ValidateTags(r.Tags); m != "" {
		fe["tags"] = m
	}
	return fe.result()
}

// Validate checks a node or device state change request.
func (r *StateRequest) Validate() error {
	fe := fieldErrors{}
	switch r.State {
	case EntryStateOnline, EntryStateOffline, EntryStateFailed:
	case "":
		fe["state"] = msgBlank
	default:
		fe["state"] = fmt.Sprintf("%s is not valid state", r.State)
	}
	switch r.HealCheck {
	case HealCheckDefault, HealCheckEnable, HealCheckDisable:
	default:
		fe["healcheck"] = msgValidValue
	}
	return fe.result()
}

// Validate checks a tags change request.
func (r *TagsChangeRequest) Validate() error {
	fe := fieldErrors{}
	switch r.Change {
	case SetTags, UpdateTags, DeleteTags:
	case "":
		fe["change_type"] = msgBlank
	default:
		fe["change_type"] = msgValidValue
	}
	if m := ValidateTags(r.Tags); m != "" {
		fe["tags"] = m
	}
	return fe.result()
}

// Validate checks a brick evict request.
func (r *BrickEvictRequest) Validate() error {
	switch r.HealCheck {
	case HealCheckDefault, HealCheckEnable, HealCheckDisable:
		return nil
	}
	return fieldErrors{"healcheck": msgValidValue}.result()
}

// ValidVolumeName reports whether name is acceptable as a volume or block volume
// name (empty means "generate one").
func ValidVolumeName(name string) bool { return name == "" || volumeNameRe.MatchString(name) }
