// Package sizing holds Heketi's brick size arithmetic (heketi-facts §7.9):
// thin pool and pool metadata sizes, the device space a brick consumes and the
// arbiter brick size. All sizes are KiB.
//
// It is a leaf package with no dependencies so that both the pure allocator
// and the command renderers of executors/cmdexec compute sizes the same way.
package sizing

import "fmt"

// DefaultExtentSizeKiB is the extent size assumed when a device has not
// reported one (vgcreate --physicalextentsize=4M).
const DefaultExtentSizeKiB = 4096

// MaxPoolMetadataSizeKiB caps the thin pool metadata size at 16 GiB.
const MaxPoolMetadataSizeKiB = 16 * 1024 * 1024

// MinArbiterBrickSizeKiB is the smallest arbiter brick, 16 MiB.
const MinArbiterBrickSizeKiB = 16 * 1024

// DefaultAverageFileSizeKiB is the average file size used to size arbiter
// bricks when the volume does not set user.heketi.average-file-size.
const DefaultAverageFileSizeKiB = 64

// RoundUp rounds n up to a multiple of ext; ext 0 means DefaultExtentSizeKiB.
func RoundUp(n, ext uint64) uint64 {
	if ext == 0 {
		ext = DefaultExtentSizeKiB
	}
	if r := n % ext; r != 0 {
		return n + ext - r
	}
	return n
}

// ThinPoolSizeKiB returns the thin pool size of a brick: brick size times the
// snapshot factor (truncated), rounded up to a multiple of the extent size
// (0 means DefaultExtentSizeKiB). Example: 10 GiB × 1.5 → 15728640.
func ThinPoolSizeKiB(brickKiB uint64, snapshotFactor float64, extentKiB uint64) uint64 {
	return RoundUp(uint64(float64(brickKiB)*snapshotFactor), extentKiB)
}

// PoolMetadataSizeKiB returns the thin pool metadata size: 0.5% of the pool
// (truncated), capped at 16 GiB, rounded up to a multiple of the extent size.
// Example: pool 15728640 → 81920.
func PoolMetadataSizeKiB(tpKiB, extentKiB uint64) uint64 {
	meta := tpKiB * 5 / 1000
	if meta > MaxPoolMetadataSizeKiB {
		meta = MaxPoolMetadataSizeKiB
	}
	return RoundUp(meta, extentKiB)
}

// BrickSpaceKiB returns the device space a brick consumes: thin pool plus
// metadata. A device qualifies only if its free space is strictly greater.
func BrickSpaceKiB(brickKiB uint64, snapshotFactor float64, extentKiB uint64) uint64 {
	tp := ThinPoolSizeKiB(brickKiB, snapshotFactor, extentKiB)
	return tp + PoolMetadataSizeKiB(tp, extentKiB)
}

// ArbiterBrickSizeKiB returns the arbiter brick size for a data brick: data
// size divided by the average file size, at least 16 MiB. A data brick smaller
// than the average file size is the error
// "Average file size (<a>) is greater than Brick size (<b>)".
func ArbiterBrickSizeKiB(dataBrickKiB, averageFileSizeKiB uint64) (uint64, error) {
	if averageFileSizeKiB == 0 || dataBrickKiB < averageFileSizeKiB {
		return 0, fmt.Errorf("Average file size (%d) is greater than Brick size (%d)", averageFileSizeKiB, dataBrickKiB)
	}
	size := dataBrickKiB / averageFileSizeKiB
	if size < MinArbiterBrickSizeKiB {
		size = MinArbiterBrickSizeKiB
	}
	return size, nil
}
