/**
 * Two processes on one region: blocking wait/signal ping-pong with a forked device model, wait woken by
 * another process, and Watcher reporting another process's signals.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { ShmRegion, Watcher } from '../src/index.js';
import { forkDeviceModel } from './fixtures/child.js';
import { freshPath, removeFreshPaths } from './fixtures/paths.js';

afterAll(removeFreshPaths);

const A = 0;
const B = 4;
const DATA = 64;

/** Resolves once `check()` is true (polling the event loop), or rejects after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ping-pong with a device-model process', () => {
  it('1000 rounds: each side sees the other side’s counter exactly, and the bytes written before each signal', async () => {
    const path = freshPath('pingpong');
    const region = ShmRegion.create(path, 8192);
    const view = new DataView(region.bytes.buffer, region.bytes.byteOffset, region.size);
    const dm = forkDeviceModel('pingpong', path, '1000');
    const seenB: number[] = [];
    let badBytes = 0;
    for (let i = 1; i <= 1000; i++) {
      expect(region.signal(A)).toBe(i);
      const b = region.wait(B, i - 1, 10_000);
      seenB.push(b);
      if (view.getUint32(DATA, true) !== (i * 0x01010101) >>> 0 || view.getUint32(DATA + 4, true) !== i) badBytes++;
    }
    expect(seenB).toEqual(Array.from({ length: 1000 }, (_, k) => k + 1));
    expect(badBytes).toBe(0);
    expect(await dm.message).toEqual({ ok: true, rounds: 1000, lastA: 1000, b: 1000 });
    expect(await dm.exit).toBe(0);
    expect([region.load(A), region.load(B)]).toEqual([1000, 1000]);
    region.close();
  });

  it('wait returns the new value another process stores and wakes', async () => {
    const path = freshPath('store-later');
    const region = ShmRegion.create(path, 4096);
    const dm = forkDeviceModel('store-later', path, '12', '77', '300');
    // Blocks this process's JS thread; the child stores after its own 300 ms timer.
    const value = region.wait(12, 0, 20_000);
    expect(value).toBe(77);
    expect(await dm.message).toEqual({ ok: true });
    region.close();
  });
});

describe('Watcher', () => {
  it('reports another process’s signal with the new value, nothing after stop(), and stop is idempotent', async () => {
    const path = freshPath('watcher');
    const region = ShmRegion.create(path, 4096);
    region.store(16, 41);
    const values: number[] = [];
    const watcher = new Watcher(region, 16, (v) => values.push(v));
    const first = forkDeviceModel('signal', path, '16');
    expect(await first.message).toEqual({ ok: true, value: 42 });
    await until(() => values.length > 0);
    expect(values).toEqual([42]);
    watcher.stop();
    watcher.stop();
    const second = forkDeviceModel('signal', path, '16');
    expect(await second.message).toEqual({ ok: true, value: 43 });
    region.signal(16);
    await new Promise((r) => setTimeout(r, 300));
    expect(values).toEqual([42]);
    expect(region.load(16)).toBe(44);
    region.close();
  });

  it('coalesces: signals while the JS thread is busy are reported once with the latest value', async () => {
    const region = ShmRegion.create(freshPath('coalesce'), 4096);
    const values: number[] = [];
    const watcher = new Watcher(region, 0, (v) => values.push(v));
    for (let i = 0; i < 100; i++) region.signal(0);
    // The JS thread was busy the whole time; at least the last value is reported, and nothing after it.
    await until(() => values.at(-1) === 100);
    await new Promise((r) => setTimeout(r, 100));
    expect(values.at(-1)).toBe(100);
    expect(values.length).toBeLessThan(100);
    expect(values).toEqual([...values].sort((x, y) => x - y));
    watcher.stop();
    region.close();
  });

  it('keeps the mapping alive after its region is closed, until it stops', async () => {
    const path = freshPath('watch-closed');
    const region = ShmRegion.create(path, 4096);
    const other = ShmRegion.open(path);
    const values: number[] = [];
    const watcher = new Watcher(region, 4, (v) => values.push(v), 10);
    region.close();
    other.store(4, 5);
    other.wake(4);
    await until(() => values.length > 0);
    expect(values).toEqual([5]);
    watcher.stop();
    other.close();
  });

  it('refuses a closed region and a bad offset', () => {
    const region = ShmRegion.create(freshPath('watch-bad'), 4096);
    expect(() => new Watcher(region, 4096, () => {})).toThrow(new RangeError('offset must be a multiple of 4 in 0…4092 (a 32-bit word inside the 4096-byte region), got 4096'));
    expect(() => new Watcher(region, 6, () => {})).toThrow(RangeError);
    region.close();
    expect(() => new Watcher(region, 0, () => {})).toThrow(/^EBADF: ShmRegion '.*' is closed \(os error 9\)$/);
  });
});
