/**
 * The daemon's framing (docs/protocol.md): every frame is
 *
 *   u32 LE length | u8 kind | u32 LE id | payload
 *
 * where `length` counts the bytes after itself (kind + id + payload, so at least 5) and is at most
 * MAX_FRAME_LENGTH. `id` is the request id a client chose; a reply carries the id of its request; frames the
 * daemon pushes on its own (page updates, events, ioreq requests) carry id 0 (an ioreq_request names its
 * own request id in its body, which the client's ioreq_answer repeats).
 */
import { FRAME_HEADER, FrameKind, MAX_FRAME_LENGTH, WIRE_LAYOUTS, type FrameKindName } from './definitions.js';
import { fieldOffsets } from './fields.js';

/** Byte offsets of the header's length, kind and id. */
const HEADER = fieldOffsets(WIRE_LAYOUTS.frameHeader);

const KIND_NAMES = new Map<number, FrameKindName>(Object.entries(FrameKind).map(([k, v]) => [v, k as FrameKindName]));

/** The name of a frame kind, or undefined for a number the protocol does not define. */
export function frameKindName(kind: number): FrameKindName | undefined {
  return KIND_NAMES.get(kind);
}

/** One decoded wire frame: its kind, id and payload bytes. */
export interface Frame {
  /**
   * The u8 after the length prefix: a {@link FrameKind} value (requests 0x01–0x3f, replies 0x80–0x9f, pushes
   * 0xa0–0xbf). A decoder passes any byte through; {@link frameKindName} tells whether the protocol defines it.
   */
  kind: number;
  /**
   * The u32 LE request id: chosen by the client for a request, repeated by the daemon in its reply, 0 in the
   * frames the daemon pushes on its own (page_update, event, ioreq_request).
   */
  id: number;
  /** The bytes after the 9-byte header: `length` − 5 of them (0 … 1 MiB − 5), decoded per kind by the payload codecs. */
  payload: Uint8Array;
}

/**
 * A frame the peer sent that cannot be used. `fatal` means the byte stream can no longer be trusted (a bad
 * length prefix): the connection must be closed after the error frame.
 */
export class WireError extends Error {
  /**
   * True when the stream itself is broken (a length prefix below 5 or above {@link MAX_FRAME_LENGTH}): the
   * receiver sends one error frame with id 0 and closes the connection. False (the default) for a frame that
   * was delimited correctly but cannot be used (unknown kind, truncated or over-long payload, bad JSON): the
   * error frame carries the request's id and the connection goes on.
   */
  readonly fatal: boolean;
  /** The errno an error frame carries for it (EINVAL for a malformed frame, E2BIG for an oversized one). */
  readonly errno: number;
  /**
   * A frame error to report in an error frame (the receiver encodes it with {@link ErrorBody}'s `errno` and `message`).
   * @param message - What was wrong with the frame; the error frame's `message`.
   * @param options - `fatal` (default false): the connection must be closed; `errno` (default 22 EINVAL; 7 E2BIG
   *   for an oversized frame): the errno the error frame reports.
   */
  constructor(message: string, options: { fatal?: boolean; errno?: number } = {}) {
    super(message);
    this.name = 'WireError';
    this.fatal = options.fatal ?? false;
    this.errno = options.errno ?? 22;
  }
}

/** Encodes one frame. */
export function encodeFrame(kind: number, id: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = 5 + payload.length;
  if (length > MAX_FRAME_LENGTH) throw new WireError(`frame of ${length} bytes exceeds the ${MAX_FRAME_LENGTH}-byte limit`, { errno: 7 });
  const out = new Uint8Array(4 + length);
  const view = new DataView(out.buffer);
  view.setUint32(HEADER.length, length, true);
  view.setUint8(HEADER.kind, kind);
  view.setUint32(HEADER.id, id >>> 0, true);
  out.set(payload, FRAME_HEADER);
  return out;
}

/**
 * Splits a byte stream into frames. `push` returns the frames completed by a chunk and throws a fatal
 * WireError as soon as a length prefix is out of bounds (without waiting for, or buffering, the body).
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0);

  /** Feeds bytes read from the stream; returns the frames now complete. */
  push(chunk: Uint8Array): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concat(this.buffer, chunk);
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      if (this.buffer.length - at < 4) break;
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + at);
      const length = view.getUint32(HEADER.length, true);
      if (length < 5) throw new WireError(`frame length ${length} is below the 5-byte minimum (kind + id)`, { fatal: true });
      if (length > MAX_FRAME_LENGTH) throw new WireError(`frame length ${length} exceeds the ${MAX_FRAME_LENGTH}-byte limit`, { fatal: true, errno: 7 });
      if (this.buffer.length - at < 4 + length) break;
      frames.push({ kind: view.getUint8(HEADER.kind), id: view.getUint32(HEADER.id, true), payload: this.buffer.slice(at + FRAME_HEADER, at + 4 + length) });
      at += 4 + length;
    }
    this.buffer = this.buffer.slice(at);
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest (non-zero at end of stream: a truncated frame). */
  get pendingBytes(): number {
    return this.buffer.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
