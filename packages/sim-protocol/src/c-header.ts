/**
 * The C header of the daemon protocol, include/xenmem/sim_protocol.h, rendered from the definitions the
 * TypeScript codecs use (wire/definitions.ts, and the doorbell page's offsets in wire/doorbell.ts).
 * scripts/gen-c-header.mjs writes it; test/c-header.test.ts checks that the committed file is this text and that
 * a C and a C++ compiler see the same numbers.
 */
import { MAX_BENCH_GUEST_ACCESSES, MAX_GUEST_RAM_BYTES } from './wire/control.js';
import { MAX_FOREIGN_BATCH } from './wire/payloads.js';
import {
  FRAME_BODIES,
  FRAME_HEADER,
  FrameKind,
  MAX_FRAME_LENGTH,
  WIRE_LAYOUTS,
  WIRE_PAGE_SIZE,
  WIRE_PROTOCOL_VERSION,
  type FrameKindName,
  type WireFieldType,
  type WireLayoutName,
} from './wire/definitions.js';
import { DOORBELL } from './wire/doorbell.js';

/** The command that regenerates the header (for its first line and for the freshness test's message). */
export const C_HEADER_COMMAND = 'npm run gen:c-header -w @xenmem/sim-protocol';
/** Where the header lies in the package. */
export const C_HEADER_PATH = 'include/xenmem/sim_protocol.h';

/** Every name the header defines starts with this. */
const PREFIX = 'XENMEM_SIM_';

const C_TYPE: Readonly<Record<WireFieldType, string>> = { u8: 'uint8_t', u16: 'uint16_t', u32: 'uint32_t', i32: 'int32_t', u64: 'uint64_t' };

/** camelCase → snake_case, as the protocol's documentation names frames and fields (dmOp → dm_op). */
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const macro = (...parts: string[]) => PREFIX + parts.map((p) => snakeCase(p).toUpperCase()).join('_');

/** The macro naming a frame kind, e.g. XENMEM_SIM_FRAME_DM_OP. */
export const frameKindMacro = (kind: FrameKindName) => macro('frame', kind);
/** The macro of a layout's size, e.g. XENMEM_SIM_HELLO_SIZE. */
export const layoutSizeMacro = (layout: WireLayoutName) => macro(layout, 'size');
/** The macro of a field's byte offset, e.g. XENMEM_SIM_HELLO_CALLER_OFFSET. */
export const fieldOffsetMacro = (layout: WireLayoutName, field: string) => macro(layout, field, 'offset');
/** The packed struct describing a layout, e.g. xenmem_sim_hello. */
export const layoutStruct = (layout: WireLayoutName) => `xenmem_sim_${snakeCase(layout)}`;
/** The macro of a doorbell page offset (or its port capacity), e.g. XENMEM_SIM_DOORBELL_TO_CLIENT_SEQ. */
export const doorbellMacro = (key: keyof typeof DOORBELL) => macro('doorbell', key);

/** The protocol's constants as the header defines them, by macro. */
export const C_HEADER_CONSTANTS: Readonly<Record<string, number>> = {
  [macro('protocol', 'version')]: WIRE_PROTOCOL_VERSION,
  [macro('max', 'frame', 'length')]: MAX_FRAME_LENGTH,
  [macro('frame', 'header')]: FRAME_HEADER,
  [macro('page', 'size')]: WIRE_PAGE_SIZE,
  [macro('max', 'bench', 'guest', 'accesses')]: MAX_BENCH_GUEST_ACCESSES,
  [macro('max', 'foreign', 'batch')]: MAX_FOREIGN_BATCH,
  [macro('max', 'guest', 'ram', 'bytes')]: MAX_GUEST_RAM_BYTES,
};

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

function direction(value: number): string {
  if (value < 0x40) return 'request';
  return value < 0xa0 ? 'reply' : 'push';
}

function bodyOf(kind: FrameKindName): string {
  const body = FRAME_BODIES[kind];
  if (body === 'json') return 'a JSON object';
  if (body === 'empty') return 'empty';
  const l = WIRE_LAYOUTS[body.binary];
  return `struct ${layoutStruct(body.binary)}${'tail' in l ? ', then more' : ''}`;
}

function layoutLines(name: WireLayoutName): string[] {
  const l = WIRE_LAYOUTS[name];
  const users = (Object.keys(FRAME_BODIES) as FrameKindName[]).filter((k) => {
    const b = FRAME_BODIES[k];
    return typeof b === 'object' && b.binary === name;
  });
  const what = users.length ? `The payload of ${users.map(snakeCase).join(', ')}` : name === 'frameHeader' ? 'The header of every frame' : name === 'buffer' ? 'A byte buffer inside a payload' : 'One page of a pages reply';
  const lines = [`/* ${what}${'tail' in l ? `; followed by ${l.tail}` : ''}. */`, `#define ${layoutSizeMacro(name)} ${l.size}`];
  for (const f of l.fields) lines.push(`#define ${fieldOffsetMacro(name, f.name)} ${f.offset}`);
  lines.push('#ifdef XENMEM_SIM_PACKED', `struct ${layoutStruct(name)} {`);
  for (const f of l.fields) lines.push(`    ${C_TYPE[f.type]} ${snakeCase(f.name)};`);
  lines.push('} XENMEM_SIM_PACKED;');
  lines.push(`XENMEM_SIM_STATIC_ASSERT(sizeof(struct ${layoutStruct(name)}) == ${layoutSizeMacro(name)}, "${snakeCase(name)} size");`);
  for (const f of l.fields)
    lines.push(`XENMEM_SIM_STATIC_ASSERT(offsetof(struct ${layoutStruct(name)}, ${snakeCase(f.name)}) == ${fieldOffsetMacro(name, f.name)}, "${snakeCase(name)}.${snakeCase(f.name)} offset");`);
  lines.push('#endif', '');
  return lines;
}

/** The text of include/xenmem/sim_protocol.h. */
export function renderCHeader(): string {
  const kinds = Object.keys(FrameKind) as FrameKindName[];
  const width = Math.max(...kinds.map((k) => frameKindMacro(k).length));
  const doorbellKeys = Object.keys(DOORBELL) as (keyof typeof DOORBELL)[];
  const doorbellWidth = Math.max(...doorbellKeys.map((k) => doorbellMacro(k).length));
  const lines = [
    `/* @generated by packages/sim-protocol/scripts/gen-c-header.mjs (${C_HEADER_COMMAND}) from src/wire/definitions.ts — DO NOT EDIT */`,
    '/*',
    ' * The xenmem simulator daemon\'s protocol for C and C++ clients (docs/protocol.md): its constants, frame',
    ' * kinds, the fixed byte layouts of the frame header and the binary payloads, and the shared-memory doorbell',
    ' * page. Every integer on the wire is little-endian and fields follow each other without padding: read and',
    ' * write them at the *_OFFSET byte offsets. With GCC or Clang the packed structs describe the same bytes (their',
    ' * members are little-endian only on a little-endian host). JSON bodies are described in docs/protocol.md.',
    ' */',
    '#ifndef XENMEM_SIM_PROTOCOL_H',
    '#define XENMEM_SIM_PROTOCOL_H',
    '',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '',
    '#if defined(__GNUC__) || defined(__clang__)',
    '#define XENMEM_SIM_PACKED __attribute__((packed))',
    '#endif',
    '#ifdef __cplusplus',
    '#define XENMEM_SIM_STATIC_ASSERT(cond, what) static_assert(cond, what)',
    '#else',
    '#define XENMEM_SIM_STATIC_ASSERT(cond, what) _Static_assert(cond, what)',
    '#endif',
    '',
    '/* Constants. */',
    ...Object.entries(C_HEADER_CONSTANTS).map(([name, value]) => `#define ${name} ${value}`),
    '',
    '/* Frame kinds: client requests 0x01-0x3f, the daemon\'s replies 0x80-0x9f, its pushes 0xa0-0xbf. */',
    ...kinds.map((k) => `#define ${frameKindMacro(k).padEnd(width)} ${hex2(FrameKind[k])} /* ${snakeCase(k)}: ${direction(FrameKind[k])}; payload: ${bodyOf(k)} */`),
    '',
    ...(Object.keys(WIRE_LAYOUTS) as WireLayoutName[]).flatMap(layoutLines),
    '/* The doorbell page of the shared-memory transport: byte offsets of its words and bitmaps, and the ports that fit. */',
    ...doorbellKeys.map((k) => `#define ${doorbellMacro(k).padEnd(doorbellWidth)} ${DOORBELL[k]}`),
    '',
    '#endif /* XENMEM_SIM_PROTOCOL_H */',
  ];
  return lines.join('\n') + '\n';
}
