package fakeexec

import (
	"fmt"
	"strconv"
	"strings"
)

type blockVolume struct {
	name     string
	volume   string
	gbid     string
	sizeB    uint64
	ha       int
	auth     bool
	password string
	hosts    []string
	prealloc bool
}

// parseBlockSize parses gluster-block sizes such as 1GiB, 512MiB, 10G or bytes.
func parseBlockSize(s string) (uint64, bool) {
	units := []struct {
		suffix string
		mult   uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	for _, u := range units {
		if num, found := strings.CutSuffix(s, u.suffix); found {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v <= 0 {
				return 0, false
			}
			return uint64(v * float64(u.mult)), true
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil && v > 0
}

func fmtBlockSize(b uint64) string {
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}

func jsonList(items []string, suffix string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = strconv.Quote(it + suffix)
	}
	return "[ " + strings.Join(quoted, ", ") + " ]"
}

func blockFail(errCode int, msg string) output {
	return output{stdout: fmt.Sprintf("{ \"RESULT\":\"FAIL\", \"errCode\":%d, \"errMsg\":%s }\n", errCode, strconv.Quote(msg)), code: errCode}
}

// glusterBlock runs the gluster-block CLI (always answering in JSON).
func (f *Fake) glusterBlock(n *node, args []string) output {
	var rest []string
	for _, a := range args {
		if !strings.HasPrefix(a, "--json") {
			rest = append(rest, a)
		}
	}
	if len(rest) < 2 {
		return fail(1, "gluster-block: missing arguments\n")
	}
	f.gmu.Lock()
	defer f.gmu.Unlock()
	if !nodeUp(n) {
		return blockFail(255, "Connection failed. Please check if gluster daemon is operational.")
	}
	p := f.poolOf(n)
	sub, target := rest[0], rest[1]
	if sub == "list" {
		v := p.volumes[target]
		if v == nil {
			return blockFail(2, fmt.Sprintf("volume %s does not exist", target))
		}
		var names []string
		for _, key := range sortedKeys(p.blocks) {
			if b := p.blocks[key]; b.volume == target {
				names = append(names, b.name)
			}
		}
		return ok(fmt.Sprintf("{ \"blocks\":%s, \"RESULT\":\"SUCCESS\" }\n", jsonList(names, "")))
	}
	volName, blockName, split := strings.Cut(target, "/")
	if !split {
		return blockFail(22, "<volname/blockname> expected, got "+target)
	}
	v := p.volumes[volName]
	if v == nil {
		return blockFail(2, fmt.Sprintf("volume %s does not exist", volName))
	}
	if !v.started {
		return blockFail(5, fmt.Sprintf("volume %s is not started", volName))
	}
	key := volName + "/" + blockName
	b := p.blocks[key]
	opts := rest[2:]
	switch sub {
	case "create":
		if b != nil {
			return blockFail(17, fmt.Sprintf("BLOCK with name: '%s' already EXIST", blockName))
		}
		nb := &blockVolume{name: blockName, volume: volName, gbid: f.ids.uuid(), ha: 1}
		var positional []string
		for i := 0; i < len(opts); i++ {
			switch opts[i] {
			case "ha", "auth", "prealloc", "ring-buffer", "block-size", "io-timeout", "storage":
				if i+1 >= len(opts) {
					return blockFail(22, "missing value for "+opts[i])
				}
				val := opts[i+1]
				switch opts[i] {
				case "ha":
					h, err := strconv.Atoi(val)
					if err != nil || h < 1 {
						return blockFail(22, "invalid ha count "+val)
					}
					nb.ha = h
				case "auth":
					nb.auth = val == "enable"
				case "prealloc":
					nb.prealloc = val == "full"
				}
				i++
			default:
				positional = append(positional, opts[i])
			}
		}
		if len(positional) != 2 {
			return blockFail(22, "expected <HOST1[,HOST2,...]> <size>")
		}
		nb.hosts = strings.Split(positional[0], ",")
		size, good := parseBlockSize(positional[1])
		if !good {
			return blockFail(22, "invalid size "+positional[1])
		}
		nb.sizeB = size
		if len(nb.hosts) != nb.ha {
			return blockFail(22, fmt.Sprintf("Insufficient arguments supplied for block create: ha count %d but %d hosts", nb.ha, len(nb.hosts)))
		}
		for _, h := range nb.hosts {
			m := p.member(h)
			if m == nil || !nodeUp(m) {
				return blockFail(107, fmt.Sprintf("host %s is not part of the trusted storage pool or is not connected", h))
			}
		}
		if nb.auth {
			nb.password = f.ids.uuid()
		}
		p.blocks[key] = nb
		var extra string
		if nb.auth {
			extra = fmt.Sprintf(" \"USERNAME\":%q, \"PASSWORD\":%q,", nb.gbid, nb.password)
		}
		return ok(fmt.Sprintf("{ \"IQN\":\"iqn.2016-12.org.gluster-block:%s\",%s \"PORTAL(S)\":%s, \"RESULT\":\"SUCCESS\" }\n", nb.gbid, extra, jsonList(nb.hosts, ":3260")))
	case "delete":
		if b == nil {
			return blockFail(2, fmt.Sprintf("block %s doesn't exist", blockName))
		}
		delete(p.blocks, key)
		return ok(fmt.Sprintf("{ \"SUCCESSFUL ON\":%s, \"RESULT\":\"SUCCESS\" }\n", jsonList(b.hosts, "")))
	case "modify":
		if b == nil {
			return blockFail(2, fmt.Sprintf("block %s doesn't exist", blockName))
		}
		for i := 0; i+1 < len(opts); i++ {
			switch opts[i] {
			case "size":
				size, good := parseBlockSize(opts[i+1])
				if !good {
					return blockFail(22, "invalid size "+opts[i+1])
				}
				if size < b.sizeB {
					return blockFail(22, "block size cannot be shrunk")
				}
				b.sizeB = size
				i++
			case "auth":
				b.auth = opts[i+1] == "enable"
				i++
			}
		}
		return ok(fmt.Sprintf("{ \"IQN\":\"iqn.2016-12.org.gluster-block:%s\", \"SIZE\":%q, \"SUCCESSFUL ON\":%s, \"RESULT\":\"SUCCESS\" }\n", b.gbid, fmtBlockSize(b.sizeB), jsonList(b.hosts, "")))
	case "info":
		if b == nil {
			return blockFail(2, fmt.Sprintf("block %s doesn't exist", blockName))
		}
		return ok(fmt.Sprintf("{ \"NAME\":%q, \"VOLUME\":%q, \"GBID\":%q, \"SIZE\":%q, \"HA\":%d, \"PASSWORD\":%q, \"EXPORTED ON\":%s }\n",
			b.name, b.volume, b.gbid, fmtBlockSize(b.sizeB), b.ha, b.password, jsonList(b.hosts, "")))
	}
	return fail(1, "gluster-block: unknown command "+sub+"\n")
}
