import { describe, expect, it } from 'vitest';
import {
  IFACE_4_6,
  IFACE_4_7,
  InputError,
  hvmmemName,
  hvmmemType,
  hvmmemTypesAt,
  hvmmemVerdict,
  ifaceHex,
  parseIface,
  resolveIface,
} from '../src/index.js';

describe('resolveIface', () => {
  it.each([
    ['4.7', 0x00040700],
    ['4.10', 0x00040900],
    ['4.12', 0x00040a00],
    ['4.13', 0x00040d00],
    ['4.22', 0x00041300],
    ['0x00040600', 0x00040600],
    ['0x0004070A', 0x0004070a],
    ['263936', 0x00040700],
    ['0', 0],
    [0x00040650, 0x00040650],
    [0, 0],
  ] as const)('%s → %s', (input, expected) => {
    expect(resolveIface(input)).toBe(expected);
  });

  it.each([
    ['0x00041400', /above the latest interface version 0x00041300/],
    ['4.23', /not a Xen release the schema knows \(4\.5 … 4\.22\)/],
    ['4.1', /not a Xen release/],
    ['latest', /not an interface version/],
    ['0x0004070', /has 7 hex digits; write exactly 8 \(0x00040700\)/],
    ['0x000407000', /has 9 hex digits; write exactly 8/],
    ['0x40700', /has 5 hex digits/],
    ['0x', /has 0 hex digits/],
    ['0x0004070g', /is not an interface version \(write 0x and 8 hex digits/],
    ['4.7x', /is not an interface version/],
    ['-263936', /is not an interface version/],
    ['banana', /is not an interface version \(write 0x and 8 hex digits such as 0x00040700, a release name such as "4\.7", or a decimal integer\)/],
    [-1, /not an interface version/],
    [0.5, /not an interface version/],
  ] as const)('%s is refused', (input, message) => {
    expect(() => resolveIface(input)).toThrow(InputError);
    expect(() => resolveIface(input)).toThrow(message);
  });

  it('parseIface takes the same forms up to a given latest version (a newer schema\'s); resolveIface is it at this package\'s', () => {
    expect(parseIface('0x00041700', 0x00041700)).toBe(0x00041700);
    expect(parseIface(String(0x00041700), 0x00041700)).toBe(0x00041700);
    expect(() => parseIface('0x00041701', 0x00041700)).toThrow(/"0x00041701" is above the latest interface version 0x00041700/);
    expect(() => parseIface('0x00041400')).toThrow(/above the latest interface version 0x00041300/);
    expect(() => parseIface('0x0004070', 0x00041700)).toThrow(/has 7 hex digits/);
  });

  it('an InputError keeps its problem, and renamed() gives the same refusal under another name', () => {
    const err = (() => {
      try {
        resolveIface('0x0004070');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('not refused');
    })();
    expect(err.problem).toBe('has 7 hex digits; write exactly 8 (0x00040700)');
    const flag = err.renamed('--iface');
    expect(flag).toBeInstanceOf(InputError);
    expect([flag.argument, flag.value, flag.problem, flag.message]).toEqual(['--iface', '0x0004070', err.problem, '--iface "0x0004070" has 7 hex digits; write exactly 8 (0x00040700)']);
  });

  it('formats interface versions as 0x + 8 hex digits', () => {
    expect(ifaceHex(0x40700)).toBe('0x00040700');
  });
});

describe('names at an interface version', () => {
  it('value 3 is mmio_write_dm below 0x00040700 and unused from it', () => {
    expect(hvmmemName(3, 0x00040600)).toBe('mmio_write_dm');
    expect(hvmmemName(3, 0)).toBe('mmio_write_dm');
    expect(hvmmemName(3, 0x000406ff)).toBe('mmio_write_dm');
    expect(hvmmemName(3, 0x00040700)).toBe('unused');
    expect(hvmmemName(3, '4.22')).toBe('unused');
  });

  it('ioreq_server is 4 at every interface version, old ones included', () => {
    for (const v of [0, 0x00040400, 0x00040600, 0x00040700, 0x00041300]) expect(hvmmemName(4, v)).toBe('ioreq_server');
  });

  it('lists five numbers at 0x00040600 and at 0x00040700', () => {
    expect(hvmmemTypesAt('0x00040600').map((t) => [t.value, t.cName])).toEqual([
      [0, 'HVMMEM_ram_rw'],
      [1, 'HVMMEM_ram_ro'],
      [2, 'HVMMEM_mmio_dm'],
      [3, 'HVMMEM_mmio_write_dm'],
      [4, 'HVMMEM_ioreq_server'],
    ]);
    expect(hvmmemTypesAt('4.7').map((t) => t.name)).toEqual(['ram_rw', 'ram_ro', 'mmio_dm', 'unused', 'ioreq_server']);
    expect(hvmmemTypesAt('4.7')[3]!.semantics).toBe('burnt');
  });

  it('encodes names at their interface version and refuses names the version lacks', () => {
    expect(hvmmemType('mmio_write_dm', IFACE_4_6)).toBe(3);
    expect(hvmmemType('unused', IFACE_4_7)).toBe(3);
    expect(hvmmemType('ioreq_server', '4.6')).toBe(4);
    const atUnnamedVersion: number = 0x00040701;
    expect(() => hvmmemType('mmio_write_dm', atUnnamedVersion)).toThrow(
      'mem_type "mmio_write_dm" is not a memory type at interface version 0x00040701 (names there: ram_rw, ram_ro, mmio_dm, unused, ioreq_server)',
    );
  });

  it('a number with no name decodes to undefined', () => {
    expect(hvmmemName(5, '4.22')).toBeUndefined();
  });
});

describe('what a release does with a number (set_mem_type, before the loop)', () => {
  it.each([
    // value, release, accepted, p2m name or errno, requirements
    [3, '4.6', true, 'p2m_mmio_write_dm', []],
    [3, '4.7', false, 'EINVAL', undefined],
    [3, '4.8', false, 'EINVAL', undefined],
    [3, '4.22', false, 'EINVAL', undefined],
    [4, '4.6', false, 'EINVAL', undefined],
    [4, '4.7', false, 'EINVAL', undefined],
    [4, '4.8', true, 'p2m_ioreq_server', []],
    [4, '4.9', true, 'p2m_ioreq_server', ['hap', 'claim']],
    [4, '4.22', true, 'p2m_ioreq_server', ['hap', 'claim']],
    [0, '4.11', true, 'p2m_ram_rw', []],
    [1, '4.6', true, 'p2m_ram_ro', []],
    [2, '4.22', true, 'p2m_mmio_dm', []],
    [5, '4.22', false, 'EINVAL', undefined],
    [0xffff, '4.6', false, 'EINVAL', undefined],
  ] as const)('%i at %s', (value, release, accepted, what, requires) => {
    const v = hvmmemVerdict(value, release);
    expect(v.accepted).toBe(accepted);
    if (v.accepted) {
      expect(v.p2mName).toBe(what);
      expect(v.requires.map((r) => r.id)).toEqual(requires);
    } else {
      expect(v.error).toBe(what);
    }
  });

  it('requirements carry the errno Xen returns when they fail, in check order', () => {
    const v = hvmmemVerdict(4, '4.9');
    expect(v.accepted && v.requires).toEqual([
      { id: 'hap', error: 'EOPNOTSUPP' },
      { id: 'claim', error: 'EINVAL' },
    ]);
  });

  it('refuses a release the schema does not know and a number that is not a uint16', () => {
    expect(() => hvmmemVerdict(0, '4.23')).toThrow(/release "4.23" is not a Xen release/);
    expect(() => hvmmemVerdict(0x10000, '4.9')).toThrow(/mem_type 65536 is not a uint16/);
  });
});
