// Package allocator places the bricks of GlusterFS volumes on devices.
//
// It is pure: it reads a snapshot of a cluster's topology (nodes with their
// zone, tags and health; devices with their free space, state and tags) and a
// request, and returns a plan of brick sets or an error that says which
// constraint failed and by how much. It performs no I/O, keeps no state and
// never mutates its input; the caller (apps/glusterfs) commits the plan.
//
// # Dry run
//
// Because nothing is committed, asking "where would this volume go?" is just
// a call to Place or PlaceAny whose result is not persisted. On failure the
// error wraps a *PlacementError (errors.As) whose fields can be returned as
// JSON.
//
// # Rules (heketi-facts §8, §10)
//
//   - Every brick of a set is on a different node; with strict zone checking
//     also in a different zone. Without strict checking, zones not yet used by
//     the set are preferred.
//   - Only usable devices of usable nodes are candidates; a device tag rule
//     (user.heketi.device-tag-match, node tags overlaid by device tags)
//     filters them further.
//   - Arbiter volumes put the arbiter brick at set position 2, on a device
//     whose arbiter tag is required or supported; data bricks go on devices
//     whose arbiter tag is supported or disabled.
//   - A brick needs a device whose free space is strictly greater than its
//     thin pool plus metadata (internal/sizing). Space taken by earlier
//     bricks of the same plan is subtracted before later bricks are placed.
//
// # Set counts
//
// Unlike Heketi, which only tries 1, 2, 4, 8, ... sets, every set count
// n = 1, 2, 3, ... is tried, while the brick stays at or above the minimum
// brick size and the volume stays within the maximum number of bricks;
// counts whose bricks exceed the maximum brick size are skipped. The first
// count that places wins, so volumes get the fewest, largest bricks. Brick
// sizes round up, so n bricks always hold the whole volume.
//
// # Balancing
//
// Device choice is deterministic (no random ring; ties broken by device id).
// For every brick the feasible device is chosen that keeps the cluster most
// balanced, in this order:
//
//  1. for arbiter volumes, devices reserved for the brick's role
//     (arbiter=required for the arbiter, arbiter=disabled for data) first,
//     as Heketi's arbiter feeds do;
//  2. without strict zone checking, a node in a zone the set does not use
//     yet, unless a node in a used zone has over 25% more free space (zones
//     spread while that costs little; small zones do not fill first and
//     strand the space of big ones);
//  3. the zone, then the node, then the device with the most free space.
//
// Filling the emptiest places first keeps free space even across nodes,
// which is what lets later sets with distinct nodes (and zones) still find
// room. Together with the set counts above, placing replica-3 volumes on a
// cluster of equal devices until nothing fits uses over 97% of the raw
// space (thin pool metadata included), and with strict zones it reaches the
// ceiling set by the smallest zone (see TestPackingUtilisation).
package allocator
