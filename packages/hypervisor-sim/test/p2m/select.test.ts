/**
 * selectP2mCore with a native addon that loads. The fallback path, where it does not, is in
 * select-fallback.test.ts (its own process: the addon's load result is kept per process).
 */
import { describe, expect, it, vi } from 'vitest';

import { selectP2mCore } from '../../src/p2m/select.js';
import { tsP2mCore } from '../../src/p2m/ts-core.js';

describe.skipIf(process.env['XENMEM_P2M'] === 'ts')('selectP2mCore with the addon built', () => {
  it('prefers the native core and warns about nothing', () => {
    const warn = vi.fn();
    expect(selectP2mCore({}, warn).kind).toBe('native');
    expect(selectP2mCore({ XENMEM_P2M: '' }, warn).kind).toBe('native');
    expect(selectP2mCore({ XENMEM_P2M: 'native' }, warn).kind).toBe('native');
    expect(warn).not.toHaveBeenCalled();
  });

  it('gives the TS core when XENMEM_P2M=ts', () => {
    const warn = vi.fn();
    expect(selectP2mCore({ XENMEM_P2M: 'ts' }, warn)).toBe(tsP2mCore);
    expect(warn).not.toHaveBeenCalled();
  });

  it('rejects any other XENMEM_P2M value', () => {
    expect(() => selectP2mCore({ XENMEM_P2M: 'rust' }, vi.fn())).toThrow(new RangeError("XENMEM_P2M must be native or ts (or unset), got 'rust'"));
  });
});
