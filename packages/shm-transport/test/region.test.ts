/**
 * ShmRegion in one process: create/open, the refusals of create and open, the word atomics, offset
 * checks, wait's timeout, close (which detaches `bytes`) and unlink.
 */
import { existsSync, lstatSync, symlinkSync, writeFileSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import { available, ShmError, ShmRegion, unavailableReason } from '../src/index.js';
import { freshPath, removeFreshPaths } from './fixtures/paths.js';

afterAll(removeFreshPaths);

/** The error `f` throws (fails the test if it throws none). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('loading', () => {
  it('loads the native transport on Linux', () => {
    expect(unavailableReason).toBe(null);
    expect(available).toBe(true);
  });
});

describe('create and open', () => {
  it('shares bytes and words between two regions over one file (8192 bytes)', () => {
    const path = freshPath('roundtrip');
    const a = ShmRegion.create(path, 8192);
    const b = ShmRegion.open(path);
    expect([a.size, b.size, a.path, b.path]).toEqual([8192, 8192, path, path]);
    expect(a.bytes.length).toBe(8192);
    expect(a.bytes.every((x) => x === 0)).toBe(true);
    expect(a.bytes).toBe(a.bytes); // one array, not a copy per read
    a.bytes.set([1, 2, 3, 0xff], 8188);
    expect([...b.bytes.subarray(8188)]).toEqual([1, 2, 3, 0xff]);
    expect(b.load(8188)).toBe(0xff030201);
    b.store(4096, 0xdeadbeef);
    expect([...a.bytes.subarray(4096, 4100)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    a.close();
    b.close();
  });

  it('create refuses an existing path, naming it', () => {
    const path = freshPath('exists');
    ShmRegion.create(path, 4096).close();
    const err = thrown(() => ShmRegion.create(path, 4096)) as ShmError;
    expect(err).toBeInstanceOf(ShmError);
    expect([err.errno, err.code, err.op, err.path]).toEqual([17, 'EEXIST', 'create', path]);
    expect(err.message).toBe(`EEXIST: create '${path}': the path exists (a file or a symlink); create() makes a new file only (os error 17)`);
  });

  it('create refuses a symlink, even a dangling one, naming the path', () => {
    const target = freshPath('target');
    const link = freshPath('link');
    symlinkSync(target, link);
    const err = thrown(() => ShmRegion.create(link, 4096)) as ShmError;
    expect([err.code, err.path]).toEqual(['EEXIST', link]);
    expect(err.message).toContain(`'${link}'`);
    expect(existsSync(target)).toBe(false);
  });

  it('create refuses a bad size, naming it', () => {
    for (const size of [0, 4095, 6144, -4096, 1.5, 2 ** 30 + 4096, NaN]) {
      const err = thrown(() => ShmRegion.create(freshPath('size'), size));
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toBe(`size must be a positive multiple of 4096 up to 1073741824 (1 GiB), got ${size}`);
    }
  });

  it('open refuses a missing file', () => {
    const path = freshPath('missing');
    const err = thrown(() => ShmRegion.open(path)) as ShmError;
    expect([err.errno, err.code, err.op]).toEqual([2, 'ENOENT', 'open']);
    expect(err.message).toBe(`ENOENT: open '${path}': No such file or directory (os error 2)`);
  });

  it('open refuses a file of no whole pages', () => {
    for (const size of [0, 100, 4097]) {
      const path = freshPath('odd');
      writeFileSync(path, new Uint8Array(size));
      const err = thrown(() => ShmRegion.open(path)) as ShmError;
      expect([err.errno, err.code]).toEqual([22, 'EINVAL']);
      expect(err.message).toBe(`EINVAL: open '${path}': the file is ${size} bytes; a region is a positive multiple of 4096 bytes (os error 22)`);
    }
  });

  it('open refuses a symlink (O_NOFOLLOW)', () => {
    const target = freshPath('real');
    ShmRegion.create(target, 4096).close();
    const link = freshPath('link-open');
    symlinkSync(target, link);
    const err = thrown(() => ShmRegion.open(link)) as ShmError;
    expect([err.errno, err.code, err.path]).toEqual([40, 'ELOOP', link]);
  });
});

describe('word atomics', () => {
  const region = ShmRegion.create(freshPath('atomics'), 4096);

  it('add, or and exchange return the previous value; add wraps at 2^32', () => {
    region.store(0, 5);
    expect(region.add(0, 3)).toBe(5);
    expect(region.load(0)).toBe(8);
    expect(region.or(0, 0x30)).toBe(8);
    expect(region.load(0)).toBe(0x38);
    expect(region.exchange(0, 0xffffffff)).toBe(0x38);
    expect(region.add(0, 2)).toBe(0xffffffff);
    expect(region.load(0)).toBe(1);
    expect(region.add(0, 0xffffffff)).toBe(1); // adding 2^32 − 1 subtracts 1
    expect(region.load(0)).toBe(0);
    expect(region.or(0, 0x80000000)).toBe(0);
    expect(region.load(0)).toBe(0x80000000);
  });

  it('signal adds 1 and returns the new value; wake with no waiters wakes 0', () => {
    region.store(8, 0xffffffff);
    expect(region.signal(8)).toBe(0);
    expect(region.signal(8)).toBe(1);
    expect(region.wake(8)).toBe(0);
    expect(region.wake(8, 1)).toBe(0);
  });

  it('words do not overlap: a change at 4 leaves 0 and 8 alone', () => {
    region.store(0, 0);
    region.store(4, 0);
    region.store(8, 0);
    region.add(4, 0xffffffff);
    expect([region.load(0), region.load(4), region.load(8)]).toEqual([0, 0xffffffff, 0]);
  });

  it('bad offsets throw a RangeError naming offset and the value', () => {
    for (const offset of [-4, -1, 2, 4094, 4096, 8192, 1.5, 0.5, NaN, Infinity]) {
      for (const f of [() => region.load(offset), () => region.store(offset, 1), () => region.add(offset, 1), () => region.wait(offset, 0, 0), () => region.signal(offset)]) {
        const err = thrown(f);
        expect(err).toBeInstanceOf(RangeError);
        expect(err.message).toBe(`offset must be a multiple of 4 in 0…4092 (a 32-bit word inside the 4096-byte region), got ${offset}`);
      }
    }
    const err = thrown(() => region.load('4' as unknown as number));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('offset must be a number, got string "4"');
  });

  it('bad values throw naming the argument', () => {
    expect(thrown(() => region.store(0, 2 ** 32)).message).toBe('value must be an integer in 0…4294967295 (a 32-bit word), got 4294967296');
    expect(thrown(() => region.or(0, -1)).message).toBe('bits must be an integer in 0…4294967295 (a 32-bit word), got -1');
    expect(thrown(() => region.wait(0, 0, -1)).message).toBe('timeoutMs must be a number ≥ 0 (Infinity waits forever), got -1');
    expect(thrown(() => region.wait(0, 0.5, 0)).message).toBe('expected must be an integer in 0…4294967295 (a 32-bit word), got 0.5');
    expect(thrown(() => region.wake(0, -1)).message).toBe('count must be an integer in 0…2147483647, got -1');
  });
});

describe('wait', () => {
  const region = ShmRegion.create(freshPath('wait'), 4096);

  it('returns the expected value when it times out, after the timeout', () => {
    region.store(0, 7);
    const t0 = performance.now();
    expect(region.wait(0, 7, 50)).toBe(7);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    const t1 = performance.now();
    expect(region.wait(0, 7, 30, 20_000)).toBe(7); // spinning longer than the timeout still stops at it
    expect(performance.now() - t1).toBeGreaterThanOrEqual(29);
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it('timeoutMs 0 only checks; a word that differs returns its value at once', () => {
    region.store(0, 9);
    expect(region.wait(0, 9, 0)).toBe(9);
    expect(region.wait(0, 8, Infinity)).toBe(9);
    expect(region.wait(0, 8, 10_000, 5)).toBe(9);
  });
});

describe('close and unlink', () => {
  it('close detaches bytes (byteLength 0), is idempotent, and later calls throw EBADF', () => {
    const path = freshPath('close');
    const region = ShmRegion.create(path, 8192);
    const bytes = region.bytes;
    const buffer = bytes.buffer;
    bytes[0] = 1;
    region.close();
    expect([bytes.byteLength, bytes.length, buffer.byteLength]).toEqual([0, 0, 0]);
    expect(bytes[0]).toBe(undefined);
    expect(region.bytes.byteLength).toBe(0);
    expect(region.closed).toBe(true);
    region.close();
    const err = thrown(() => region.load(0)) as ShmError;
    expect(err).toBeInstanceOf(ShmError);
    expect([err.errno, err.code, err.path]).toEqual([9, 'EBADF', path]);
    expect(err.message).toBe(`EBADF: ShmRegion '${path}' is closed (os error 9)`);
    expect(thrown(() => region.signal(0)).message).toBe(err.message);
    // The file still holds what was written.
    const again = ShmRegion.open(path);
    expect(again.bytes[0]).toBe(1);
    again.close();
  });

  it('a region closed before bytes was read gives an empty array', () => {
    const region = ShmRegion.create(freshPath('close-early'), 4096);
    region.close();
    expect(region.bytes.byteLength).toBe(0);
  });

  it('unlink removes the file; the mapping stays usable until close', () => {
    const path = freshPath('unlink');
    const region = ShmRegion.create(path, 4096);
    region.unlink();
    expect(existsSync(path)).toBe(false);
    region.store(0, 42);
    expect(region.load(0)).toBe(42);
    expect(region.bytes[0]).toBe(42);
    const err = thrown(() => region.unlink()) as ShmError;
    expect([err.code, err.op]).toEqual(['ENOENT', 'unlink']);
    region.close();
    // The path is free again.
    ShmRegion.create(path, 4096).close();
  });
});
