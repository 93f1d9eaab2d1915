package cmdexec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// BlockVolumeSpec describes a gluster-block volume to create.
type BlockVolumeSpec struct {
	HostingVolume string   // gluster name of the block hosting volume, vol_<bhv>
	Name          string   // blockvol_<id>
	HA            int      // ha count
	Auth          bool     // auth enable|disable
	Hosts         []string // storage hostnames serving the target, in order
	SizeGiB       int
}

// BlockCreate renders (BlockTimeout):
//
//	gluster-block create vol_<bhv>/blockvol_<id> ha 3 auth disable prealloc full 10.0.0.4,10.0.0.2,10.0.0.3 1GiB --json
func (r Renderer) BlockCreate(b BlockVolumeSpec) string {
	auth := "disable"
	if b.Auth {
		auth = "enable"
	}
	return fmt.Sprintf("gluster-block create %s/%s ha %d auth %s prealloc %s %s %dGiB --json",
		b.HostingVolume, b.Name, b.HA, auth, r.cfg.BlockPrealloc, strings.Join(b.Hosts, ","), b.SizeGiB)
}

// BlockModifySize renders the block expand; note the two spaces before "size":
//
//	gluster-block modify vol_<bhv>/blockvol_<id>  size 2GiB --json
func (r Renderer) BlockModifySize(hostingVolume, name string, newSizeGiB int) string {
	return fmt.Sprintf("gluster-block modify %s/%s  size %dGiB --json", hostingVolume, name, newSizeGiB)
}

// BlockDelete renders:
//
//	gluster-block delete vol_<bhv>/blockvol_<id> --json
func (r Renderer) BlockDelete(hostingVolume, name string) string {
	return fmt.Sprintf("gluster-block delete %s/%s --json", hostingVolume, name)
}

// BlockInfo renders:
//
//	gluster-block info vol_<bhv>/blockvol_<id> --json
func (r Renderer) BlockInfo(hostingVolume, name string) string {
	return fmt.Sprintf("gluster-block info %s/%s --json", hostingVolume, name)
}

// BlockList renders:
//
//	gluster-block list vol_<bhv> --json
func (r Renderer) BlockList(hostingVolume string) string {
	return fmt.Sprintf("gluster-block list %s --json", hostingVolume)
}

// BlockResult holds the fields gluster-block prints in its --json output.
// Create fills IQN, Username, Password, Portals; failures set Result to
// "FAIL" with ErrCode and ErrMsg.
type BlockResult struct {
	IQN          string   `json:"IQN"`
	Username     string   `json:"USERNAME"`
	Password     string   `json:"PASSWORD"`
	Portals      []string `json:"PORTAL(S)"`
	Size         string   `json:"SIZE"`
	SuccessfulOn []string `json:"SUCCESSFUL ON"`
	Result       string   `json:"RESULT"`
	ErrCode      int      `json:"errCode"`
	ErrMsg       string   `json:"errMsg"`
}

// Failed reports whether gluster-block reported RESULT FAIL.
func (b *BlockResult) Failed() bool { return strings.EqualFold(b.Result, "FAIL") }

// ParseBlockResult decodes the JSON printed by gluster-block create, modify
// and delete. It does not interpret RESULT; see ParseBlockCreate.
func ParseBlockResult(out string) (*BlockResult, error) {
	var res BlockResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		return nil, fmt.Errorf("unable to parse gluster-block output: %w", err)
	}
	return &res, nil
}

// ParseBlockCreate decodes gluster-block create output; RESULT FAIL becomes
// the error "Failed to create block volume: <errMsg>".
func ParseBlockCreate(out string) (*BlockResult, error) {
	res, err := ParseBlockResult(out)
	if err != nil {
		return nil, err
	}
	if res.Failed() {
		return nil, fmt.Errorf("Failed to create block volume: %s", res.ErrMsg)
	}
	return res, nil
}

// IsBlockNotExist reports whether a gluster-block error text says the block
// volume is already gone ("doesn't exist" / "does not exist"); block delete
// treats that as success.
func IsBlockNotExist(msg string) bool {
	return strings.Contains(msg, "doesn't exist") || strings.Contains(msg, "does not exist")
}

// BlockInfoResult is the output of gluster-block info --json.
type BlockInfoResult struct {
	Name           string   `json:"NAME"`
	Volume         string   `json:"VOLUME"`
	GBID           string   `json:"GBID"`
	Size           string   `json:"SIZE"` // e.g. "1.0 GiB"
	HA             int      `json:"HA"`
	Password       string   `json:"PASSWORD"`
	ExportedOn     []string `json:"EXPORTED ON"`
	ResizeFailedOn []string `json:"RESIZE FAILED ON"`
}

// SizeBytes converts Size ("1.0 GiB", "512.0 MiB", "10 GiB") to bytes.
func (b *BlockInfoResult) SizeBytes() (uint64, error) { return ParseHumanSize(b.Size) }

// ParseBlockInfo decodes gluster-block info --json.
func ParseBlockInfo(out string) (*BlockInfoResult, error) {
	var res BlockInfoResult
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		return nil, fmt.Errorf("unable to parse gluster-block info output: %w", err)
	}
	return &res, nil
}

// ParseBlockList decodes gluster-block list --json ({"blocks":[...],"RESULT":"SUCCESS"}).
func ParseBlockList(out string) ([]string, error) {
	var res struct {
		Blocks []string `json:"blocks"`
		Result string   `json:"RESULT"`
		ErrMsg string   `json:"errMsg"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil {
		return nil, fmt.Errorf("unable to parse gluster-block list output: %w", err)
	}
	if strings.EqualFold(res.Result, "FAIL") {
		return nil, fmt.Errorf("gluster-block list failed: %s", res.ErrMsg)
	}
	return res.Blocks, nil
}

// ParseHumanSize converts "<number> <unit>" with unit B, KiB, MiB, GiB, TiB or
// PiB (space optional) to bytes, truncating fractions of a byte.
func ParseHumanSize(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(c rune) bool { return (c < '0' || c > '9') && c != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	num, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || num < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	mult := map[string]float64{
		"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "PiB": 1 << 50,
	}[strings.TrimSpace(s[i:])]
	if mult == 0 {
		return 0, fmt.Errorf("invalid size unit in %q", s)
	}
	return uint64(num * mult), nil
}
