import { describe, expect, it } from 'vitest';
import { DMOP, DMOPS, DM_OP_HEADER, HVMOP, HVMOPS, InputError, SET_MEM_TYPE_NR_MAX, STRUCTS, decodeDmOp, decodeStruct, dmOpByName, encodeDmOp, hvmOpByName, encodeHvmOpArg, encodeStruct, layoutAt, type LayoutId } from '../src/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('golden bytes (offsets from Xen 4.22 headers on x86_64)', () => {
  it('XEN_DMOP_set_mem_type: op 12, pad, nr@8, mem_type@12, pad@14, first_pfn@16', () => {
    const bytes = encodeDmOp('set_mem_type', { nr: 16, mem_type: 4, first_pfn: 0x100n });
    expect(bytes.length).toBe(32);
    expect(hex(bytes)).toBe('0c00000000000000' + '10000000' + '0400' + '0000' + '0001000000000000' + '0000000000000000');
  });

  it('XEN_DMOP_map_mem_type_to_ioreq_server: id@8, type@10, flags@12, opaque@16', () => {
    const bytes = encodeDmOp('map_mem_type_to_ioreq_server', { id: 7, type: 4, flags: 2, opaque: 0xfedcba9876543210n });
    expect(hex(bytes)).toBe('0f00000000000000' + '0700' + '0400' + '02000000' + '1032547698badcfe' + '0000000000000000');
  });

  it('XEN_DMOP_create_ioreq_server: handle_bufioreq@8, pad[3]@9, id@12 (OUT)', () => {
    expect(hex(encodeDmOp('create_ioreq_server', { handle_bufioreq: 2 }))).toBe('0100000000000000' + '02000000' + '0000' + '0000' + '00'.repeat(16));
  });

  it('HVMOP set_mem_type (4.6–4.8): domid@0, hvmmem_type@2, nr@4, first_pfn@8', () => {
    const bytes = encodeHvmOpArg('set_mem_type', { domid: 1, hvmmem_type: 3, nr: 256, first_pfn: 0xfffffn });
    expect(hex(bytes)).toBe('0100' + '0300' + '00010000' + 'ffff0f0000000000');
  });

  it('HVMOP get_mem_type: domid@0, mem_type@2 (OUT), pad@4, pfn@8', () => {
    expect(hex(encodeHvmOpArg('get_mem_type', { domid: 0x7ff0, pfn: 0x105n }))).toBe('f07f' + '0000' + '00000000' + '0501000000000000');
  });

  it('ioreq_t: byte 30 holds state:4, data_is_ptr, dir, df; type at 31', () => {
    const bytes = encodeStruct('ioreq', {
      addr: 0x100010n,
      data: 0xdeadbeefn,
      count: 1,
      size: 4,
      vp_eport: 5,
      state: 1,
      data_is_ptr: 0,
      dir: 0,
      df: 1,
      type: 1,
    });
    expect(hex(bytes)).toBe('1000100000000000' + 'efbeadde00000000' + '01000000' + '04000000' + '05000000' + '0000' + '41' + '01');
    const read = encodeStruct('ioreq', { state: 3, dir: 1, data_is_ptr: 1 });
    expect(read[30]).toBe(0x33);
    expect(decodeStruct('ioreq', read)).toMatchObject({ state: 3, dir: 1, data_is_ptr: 1, df: 0, _pad1: 0 });
  });

  it('buf_ioreq: type in bits 7:0, dir bit 9, size bits 11:10, addr bits 31:12, data at 4', () => {
    const bytes = encodeStruct('buf_ioreq', { type: 1, dir: 0, size: 2, addr: 0xa0000, data: 0x12345678 });
    const word0 = new DataView(bytes.buffer).getUint32(0, true);
    expect(word0).toBe((0xa0000 << 12 >>> 0) + (2 << 10) + 1);
    expect(hex(bytes.subarray(4))).toBe('78563412');
    const all = encodeStruct('buf_ioreq', { addr: 0xfffff });
    expect(new DataView(all.buffer).getUint32(0, true)).toBe(0xfffff000);
    expect(decodeStruct('buf_ioreq', all)).toEqual({ type: 0, pad: 0, dir: 0, size: 0, addr: 0xfffff, data: 0 });
  });

  it('buffered_iopage is 4096 bytes: pointers at 0 and 4, slot n at 8 + 8n', () => {
    const slots = Array.from({ length: 511 }, () => ({ type: 0, pad: 0, dir: 0, size: 0, addr: 0, data: 0 }));
    slots[510] = { type: 1, pad: 0, dir: 0, size: 0, addr: 0, data: 0xaabbccdd };
    const page = encodeStruct('buffered_iopage', { read_pointer: 3, write_pointer: 9, buf_ioreq: slots });
    expect(page.length).toBe(4096);
    expect(hex(page.subarray(0, 8))).toBe('0300000009000000');
    expect(hex(page.subarray(8 + 8 * 510))).toBe('01000000ddccbbaa');
  });
});

describe('decoding', () => {
  it('decodes a dm_op header and payload', () => {
    const bytes = encodeDmOp('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0xfffffffffffffn });
    expect(decodeDmOp(bytes)).toEqual({ op: 12, name: 'set_mem_type', pad: 0, payload: { nr: 1, mem_type: 1, pad: 0, first_pfn: 0xfffffffffffffn } });
  });

  it('an unknown op number decodes with no payload', () => {
    const bytes = new Uint8Array(32);
    bytes[0] = 21;
    expect(decodeDmOp(bytes)).toEqual({ op: 21, name: undefined, pad: 0, payload: undefined });
  });

  it('too few bytes is an error naming the struct', () => {
    expect(() => decodeStruct('xen_dm_op_set_mem_type', new Uint8Array(15))).toThrow('bytes 15 are too few for struct xen_dm_op_set_mem_type (16 bytes)');
  });
});

describe('bad values name the field and leave nothing half-written', () => {
  it.each([
    [{ nr: 2 ** 32 }, 'xen_dm_op_set_mem_type.nr 4294967296 does not fit an unsigned 32-bit field'],
    [{ mem_type: -1 }, 'xen_dm_op_set_mem_type.mem_type -1 does not fit an unsigned 16-bit field'],
    [{ first_pfn: 2 ** 60 }, 'does not fit an unsigned 64-bit field (use a bigint above 2^53)'],
    [{ first_pfn: 1n << 64n }, 'does not fit an unsigned 64-bit field'],
    [{ bogus: 1 }, 'xen_dm_op_set_mem_type.bogus 1 is not a field of struct xen_dm_op_set_mem_type'],
  ])('%o', (value, message) => {
    expect(() => encodeStruct('xen_dm_op_set_mem_type', value as never)).toThrow(message);
  });

  it('a bit-field value wider than the field is refused', () => {
    expect(() => encodeStruct('ioreq', { state: 16 })).toThrow('ioreq.state 16 does not fit an unsigned 4-bit field');
  });
});

// Round trips generated from the schema: every layout, every field, a distinct value per field.
function sampleFor(id: LayoutId, seed: number): Record<string, unknown> {
  const layout = STRUCTS[id];
  const out: Record<string, unknown> = {};
  layout.fields.forEach((f, i) => {
    const k = seed + i * 7 + 1;
    const scalar = (): unknown => {
      if (f.bits !== null) return k % 2 ** f.bits.width;
      switch (f.type) {
        case 'uint8':
          return k % 256;
        case 'uint16':
          return (k * 257) % 65536;
        case 'uint32':
          return (k * 16843009) >>> 0;
        case 'uint64':
        case 'handle':
          return (BigInt(k) * 0x0101010101010101n) & 0xffffffffffffffffn;
        case 'union':
          return new Uint8Array(f.size).map((_, j) => (k + j) % 256);
        case 'struct':
          return sampleFor(f.element as LayoutId, k);
      }
    };
    out[f.name] = f.count === null ? scalar() : Array.from({ length: f.count }, scalar);
  });
  return out;
}

describe('round trips generated from the schema', () => {
  const ids = Object.keys(STRUCTS) as LayoutId[];
  it.each(ids)('%s', (id) => {
    const value = sampleFor(id, 3);
    const bytes = encodeStruct(id, value as never);
    expect(bytes.length).toBe(STRUCTS[id].size);
    expect(decodeStruct(id, bytes)).toEqual(value);
  });

  it.each(ids.flatMap((id) => STRUCTS[id].fields.filter((f) => f.bits === null && f.type !== 'struct' && f.count === null).map((f) => [id, f.name, f.offset, f.size] as const)))(
    '%s.%s sits at offset %i, %i bytes',
    (id, field, offset, size) => {
      const value = { [field]: ['uint64', 'handle'].includes(STRUCTS[id].fields.find((f) => f.name === field)!.type) ? 0xffffffffffffffffn : field === 'u' ? new Uint8Array(size).fill(0xff) : 2 ** (8 * size) - 1 };
      const bytes = encodeStruct(id, value as never);
      const set = [...bytes.keys()].filter((i) => bytes[i] !== 0);
      expect(set).toEqual(Array.from({ length: size }, (_, i) => offset + i));
    },
  );

  it('every DMOP payload fits the 24-byte union', () => {
    for (const op of DMOPS) expect(STRUCTS[op.struct as LayoutId].size).toBeLessThanOrEqual(24);
  });
});

describe('dm_op framing at a release', () => {
  it('puts the payload after the 8-byte header (op, pad)', () => {
    expect(DM_OP_HEADER).toBe(8);
  });

  it('picks the layout in force at the release, the newest one before the struct existed', () => {
    expect(layoutAt('xen_dm_op_get_ioreq_server_info', '4.9')).toBe('xen_dm_op_get_ioreq_server_info@4.9');
    expect(layoutAt('xen_dm_op_get_ioreq_server_info', '4.10')).toBe('xen_dm_op_get_ioreq_server_info@4.10'); // ioreq_gfn names from 4.10
    expect(layoutAt('xen_dm_op_get_ioreq_server_info', '4.11')).toBe('xen_dm_op_get_ioreq_server_info');
    expect(layoutAt('xen_dm_op_get_ioreq_server_info', '4.8')).toBe('xen_dm_op_get_ioreq_server_info');
    expect(() => layoutAt('xen_dm_op_no_such_struct', '4.22')).toThrow(InputError);
  });

  it('encodes a payload in its layout at a release', () => {
    // 4.11+ has flags where 4.9/4.10 have pad: at 4.9 there is no flags field to write.
    const op = dmOpByName('get_ioreq_server_info').value.toString(16).padStart(2, '0') + '00000000000000';
    expect(hex(encodeDmOp('get_ioreq_server_info', { id: 3, flags: 1 }, '4.11'))).toBe(op + '0300' + '0100' + '00'.repeat(20));
    expect(hex(encodeDmOp('get_ioreq_server_info', { id: 3, pad: 1 } as never, '4.9'))).toBe(op + '0300' + '0100' + '00'.repeat(20));
    expect(() => encodeDmOp('get_ioreq_server_info', { id: 3, flags: 1 }, '4.9')).toThrow(InputError);
    expect(hex(encodeDmOp('get_ioreq_server_info', { id: 3, flags: 1 }))).toBe(op + '0300' + '0100' + '00'.repeat(20));
  });

  it('knows the most pages one set_mem_type call names: nr is a uint32_t', () => {
    expect(SET_MEM_TYPE_NR_MAX).toBe(2 ** 32 - 1);
  });
});

describe('ops keyed by name', () => {
  it('DMOP and HVMOP hold every op of the tables under its own name, as dmOpByName and hvmOpByName find it', () => {
    expect(Object.keys(DMOP)).toEqual(DMOPS.map((o) => o.name));
    expect(Object.keys(HVMOP)).toEqual(HVMOPS.map((o) => o.name));
    for (const op of DMOPS) expect(DMOP[op.name]).toBe(dmOpByName(op.name));
    for (const op of HVMOPS) expect(HVMOP[op.name]).toBe(hvmOpByName(op.name));
    expect([DMOP.get_ioreq_server_info.value, DMOP.nr_vcpus.value, HVMOP.get_mem_type.value, HVMOP.set_mem_type.value]).toEqual([2, 20, 15, 8]);
  });
});
