/**
 * selectP2mCore when the addon cannot load. The generated loader is made to fail for real: its
 * NAPI_RS_NATIVE_LIBRARY_PATH override points at a file that is not a shared object. This file runs
 * in its own forked process, so no other test sees it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it, vi } from 'vitest';

import type * as Select from '../../src/p2m/select.js';

let select: typeof Select;
let NativeP2mUnavailableError: typeof import('../../src/p2m/native-core.js').NativeP2mUnavailableError;

beforeAll(async () => {
  const bogus = join(mkdtempSync(join(tmpdir(), 'xenmem-p2m-')), 'xenmem-p2m.bogus.node');
  writeFileSync(bogus, 'not a shared object\n'.repeat(256)); // dlopen's words for it vary by libc
  process.env['NAPI_RS_NATIVE_LIBRARY_PATH'] = bogus;
  select = await import('../../src/p2m/select.js');
  ({ NativeP2mUnavailableError } = await import('../../src/p2m/native-core.js'));
});

describe('selectP2mCore without a loadable addon', () => {
  it('throws naming the cause when XENMEM_P2M=native', () => {
    const warn = vi.fn();
    let thrown: unknown;
    try {
      select.selectP2mCore({ XENMEM_P2M: 'native' }, warn);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(NativeP2mUnavailableError);
    expect((thrown as Error).message).toMatch(
      /^XENMEM_P2M=native, but the native p2m core could not be loaded: \/.*\/xenmem-p2m\.bogus\.node: [^;\n]+; build it with `npm run build:native -w @xenmem\/hypervisor-sim`$/,
    );
    expect((thrown as Error).cause).toBeInstanceOf(Error);
    expect(warn).not.toHaveBeenCalled();
  });

  it('falls back to the TS core with one warning line per process', () => {
    const warn = vi.fn();
    expect(select.selectP2mCore({}, warn).kind).toBe('ts');
    expect(select.selectP2mCore({}, warn).kind).toBe('ts');
    expect(select.selectP2mCore({ XENMEM_P2M: 'ts' }, warn).kind).toBe('ts');
    expect(warn).toHaveBeenCalledTimes(1);
    const line = warn.mock.calls[0]![0] as string;
    expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true);
    expect(line).toMatch(/^xenmem: using the TypeScript p2m core \(slower on fragmented tables\): the native one could not be loaded: \/.*\/xenmem-p2m\.bogus\.node: [^\n]+\. Build it with `npm run build:native -w @xenmem\/hypervisor-sim`, or set XENMEM_P2M=ts to choose the TypeScript core without this warning\.\n$/);
  });
});
