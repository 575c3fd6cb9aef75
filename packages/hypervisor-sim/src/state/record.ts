/**
 * The journal's record framing: each record is a 4-byte little-endian length of its payload, the payload's
 * CRC-32 (IEEE, as zlib computes it; 4 bytes little-endian), then the payload. Reading tells a torn tail (the
 * last write of a killed daemon, cut short or never fully on disk: dropped) from corruption in the middle (a
 * bad record followed by a good one: refused).
 */

/** The CRC-32 table of the IEEE polynomial (reflected 0xedb88320), as zlib and Ethernet use. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of `bytes`; crc32("123456789") is 0xcbf43926. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bytes before each record's payload: length and CRC-32. */
export const RECORD_HEADER_BYTES = 8;
/** The largest payload a record may have (a longer length field is damage, not a record). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** One framed record: header and payload, ready to append. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

/** What reading a journal's bytes found. */
export interface RecordScan {
  /** The payloads of the good records, in order. */
  records: Uint8Array[];
  /** Offset just past the last good record. */
  goodBytes: number;
  /** Bytes after the good records that are a torn tail (dropped, never applied); 0 when the file ends cleanly. */
  tornBytes: number;
  /** Set when a bad record is followed by a good one: damage in the middle, which no kill causes. */
  corruptAt: number | null;
}

/** The record at `at`, or null when it is cut short or its checksum does not match. */
function recordAt(bytes: Uint8Array, at: number): Uint8Array | null {
  if (bytes.length - at < RECORD_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, RECORD_HEADER_BYTES);
  const length = view.getUint32(0, true);
  if (length > MAX_RECORD_BYTES || at + RECORD_HEADER_BYTES + length > bytes.length) return null;
  const payload = bytes.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
  return crc32(payload) === view.getUint32(4, true) ? payload : null;
}

/**
 * Reads the records of a journal. At the first bad record it stops: if the bad record's length field points
 * inside the file and a good record starts right after it, that is corruption in the middle (`corruptAt`);
 * otherwise the rest of the file is a torn tail.
 */
export function scanRecords(bytes: Uint8Array): RecordScan {
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const payload = recordAt(bytes, at);
    if (payload === null) {
      let corruptAt: number | null = null;
      if (bytes.length - at >= RECORD_HEADER_BYTES) {
        const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
        const next = at + RECORD_HEADER_BYTES + length;
        if (length <= MAX_RECORD_BYTES && next < bytes.length && recordAt(bytes, next) !== null) corruptAt = at;
      }
      return { records, goodBytes: at, tornBytes: bytes.length - at, corruptAt };
    }
    records.push(payload);
    at += RECORD_HEADER_BYTES + payload.length;
  }
  return { records, goodBytes: at, tornBytes: 0, corruptAt: null };
}
