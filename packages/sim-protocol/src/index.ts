/**
 * @xenmem/sim-protocol: the xenmem simulator daemon's protocol (docs/protocol.md) — framing, frame kinds and
 * payload codecs, the shared-memory doorbell — and the simulator-side backend interface its control frames
 * carry. The frame kinds and fixed layouts are also a C header, include/xenmem/sim_protocol.h.
 */
export * from './simulator-backend.js';
export * from './reasons.js';
export * from './wire/index.js';
