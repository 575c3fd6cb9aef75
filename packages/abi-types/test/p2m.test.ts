import { describe, expect, it } from 'vitest';
import { getMemTypeResult, p2mClassMembers, p2mName, p2mValue, populatedByLookup, transitionOutcome } from '../src/index.js';

describe('internal p2m types', () => {
  it('names type 15 per release', () => {
    expect(p2mName(15, '4.5')).toBeUndefined();
    expect(p2mName(15, '4.6')).toBe('p2m_mmio_write_dm');
    expect(p2mName(15, '4.7')).toBe('p2m_mmio_write_dm');
    expect(p2mName(15, '4.8')).toBe('p2m_ioreq_server');
    expect(p2mName(15, '4.22')).toBe('p2m_ioreq_server');
    expect(p2mValue('p2m_ram_shared', '4.9')).toBe(12);
  });

  it('moves ioreq_server from the read-only to the RAM class at 4.9', () => {
    expect(p2mClassMembers('P2M_RO_TYPES', '4.8')).toContain(15);
    expect(p2mClassMembers('P2M_RO_TYPES', '4.9')).not.toContain(15);
    expect(p2mClassMembers('P2M_RAM_TYPES', '4.8')).not.toContain(15);
    expect(p2mClassMembers('P2M_RAM_TYPES', '4.9')).toContain(15);
  });
});

describe('set_mem_type per-page transitions', () => {
  it.each([
    ['4.9', 0, 4, 'ok'],
    ['4.9', 3, 4, 'EINVAL'],
    ['4.8', 3, 4, 'ok'],
    ['4.8', 2, 4, 'ok'],
    ['4.9', 15, 4, 'EINVAL'],
    ['4.9', 15, 0, 'ok'],
    ['4.22', 15, 1, 'EINVAL'],
    ['4.9', 1, 2, 'ok'],
    ['4.9', 1, 0, 'EINVAL'],
    ['4.9', 10, 0, 'EAGAIN'],
    ['4.9', 12, 1, 'EAGAIN'],
    ['4.6', 15, 0, 'ok'],
    ['4.6', 0, 3, 'ok'],
    ['4.7', 15, 0, 'ok'],
  ] as const)('at %s, p2m %i → hvmmem %i is %s', (release, from, to, outcome) => {
    expect(transitionOutcome(release, from, to)).toBe(outcome);
  });

  it('has no per-page row for a value refused before the loop', () => {
    expect(transitionOutcome('4.7', 0, 3)).toBeUndefined();
  });

  it('populate-on-demand pages are populated by the lookup', () => {
    expect(populatedByLookup('4.22')).toEqual([6]);
  });
});

describe('get_mem_type projection', () => {
  it.each([
    ['4.6', 15, 3],
    ['4.7', 15, 1],
    ['4.8', 15, 4],
    ['4.22', 15, 4],
    ['4.22', 1, 2],
    ['4.22', 2, 1],
    ['4.22', 5, 2],
    ['4.22', 6, 0],
    ['4.22', 7, 0],
    ['4.22', 8, 1],
    ['4.22', 12, 1],
    ['4.22', 13, 2],
    ['4.22', 14, 2],
  ] as const)('at %s, p2m %i reads as hvmmem %i', (release, p2m, hvmmem) => {
    expect(getMemTypeResult(release, p2m)).toBe(hvmmem);
  });
});
