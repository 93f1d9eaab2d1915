package sizing

import "testing"

func TestThinPoolArithmetic(t *testing.T) {
	const gib = 1024 * 1024
	// Verified examples of heketi-facts §7.9.
	for _, tc := range []struct {
		brick    uint64
		factor   float64
		tp, meta uint64
	}{
		{10 * gib, 1.5, 15728640, 81920},
		{5 * gib, 1.5, 7864320, 40960},
		{3 * gib, 1, 3145728, 16384},
		{1 * gib, 1, 1048576, 8192},
		{50 * gib, 1, 52428800, 262144},
		{32768, 1, 32768, 4096},
	} {
		tp := ThinPoolSizeKiB(tc.brick, tc.factor, DefaultExtentSizeKiB)
		meta := PoolMetadataSizeKiB(tp, DefaultExtentSizeKiB)
		if tp != tc.tp || meta != tc.meta {
			t.Errorf("brick %dK x%.1f: --size %dK --poolmetadatasize %dK, want %dK %dK", tc.brick, tc.factor, tp, meta, tc.tp, tc.meta)
		}
		if got := BrickSpaceKiB(tc.brick, tc.factor, DefaultExtentSizeKiB); got != tc.tp+tc.meta {
			t.Errorf("BrickSpaceKiB = %d, want %d", got, tc.tp+tc.meta)
		}
	}
	// Rounding up to the extent, and extent 0 meaning the default.
	if got := ThinPoolSizeKiB(4097, 1, 0); got != 8192 {
		t.Errorf("4097K rounds to %d, want 8192", got)
	}
	if got := RoundUp(8192, 0); got != 8192 {
		t.Errorf("RoundUp(8192) = %d, want 8192 (already aligned)", got)
	}
	if got := PoolMetadataSizeKiB(8*1024*gib, 4096); got != MaxPoolMetadataSizeKiB {
		t.Errorf("8 TiB pool metadata %d, want the 16 GiB cap", got)
	}
}

func TestArbiterBrickSize(t *testing.T) {
	if got, err := ArbiterBrickSizeKiB(2*1024*1024, 64); err != nil || got != 32768 {
		t.Errorf("2 GiB / 64: %d %v, want 32768", got, err)
	}
	if got, err := ArbiterBrickSizeKiB(1024*1024, 64); err != nil || got != MinArbiterBrickSizeKiB {
		t.Errorf("1 GiB / 64: %d %v, want the 16 MiB minimum", got, err)
	}
	_, err := ArbiterBrickSizeKiB(32, 64)
	if err == nil || err.Error() != "Average file size (64) is greater than Brick size (32)" {
		t.Errorf("err %v, want Average file size (64) is greater than Brick size (32)", err)
	}
}
