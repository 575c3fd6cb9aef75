/**
 * The state journal (docs/reliability.md "Daemon state file"): records follow the change, restore is the
 * snapshot plus the journal, commits share fsyncs, compaction keeps the state, a torn tail is dropped and
 * damage in the middle (or a damaged snapshot) refuses start-up and leaves the files as they are; a full disk
 * fails the commit and keeps the old state on disk.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, encodeDmOp } from '@xenmem/abi-types';
import { Hypervisor } from '../../src/hypervisor.js';
import { mountTmpfs, tmpfsRequired, unmountTmpfs } from './tmpfs.js';
import { RECORD_HEADER_BYTES, StateStore, frameRecord, journalGenerations, journalPath, readDurableState, scanRecords, snapshot } from '../../src/state/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HVMMEM_RAM_RO = 1;
const HVMMEM_RAM_RW = 0;

async function setMemType(hv: Hypervisor, domid: number, first: number, nr: number, type: number): Promise<void> {
  const { rc } = await hv.dmOp(0, domid, [encodeDmOp('set_mem_type', { mem_type: type, first_pfn: BigInt(first), nr })]);
  expect(rc).toBe(0);
}

/** The state without the snapshot's journal pointer, as restore sees it. */
const live = (hv: Hypervisor) => snapshot(hv);
const durable = (path: string) => readDurableState(path, '4.22')!.state;
const files = () => readdirSync(dir).sort();
const bytesOf = (names: string[]) => names.map((n) => readFileSync(join(dir, n)));

async function openFresh(path: string, compactBytes?: number): Promise<{ hv: Hypervisor; store: StateStore }> {
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  const store = await StateStore.open(path, hv, compactBytes === undefined ? {} : { compactBytes });
  return { hv, store };
}

describe('record framing', () => {
  const recs = ['one', 'two', 'three'].map((s) => frameRecord(new TextEncoder().encode(s)));
  const all = Buffer.concat(recs);
  it('reads back every record of a clean file', () => {
    const scan = scanRecords(all);
    expect(scan.records.map((r) => new TextDecoder().decode(r))).toEqual(['one', 'two', 'three']);
    expect(scan).toMatchObject({ goodBytes: all.length, tornBytes: 0, corruptAt: null });
  });
  it('drops a torn tail: cut short, or its last bytes wrong', () => {
    for (const cut of [1, RECORD_HEADER_BYTES - 1, RECORD_HEADER_BYTES + 2]) {
      const scan = scanRecords(all.subarray(0, recs[0]!.length + recs[1]!.length + cut));
      expect(scan).toMatchObject({ goodBytes: recs[0]!.length + recs[1]!.length, tornBytes: cut, corruptAt: null });
      expect(scan.records.length).toBe(2);
    }
    const flipped = Buffer.from(all);
    flipped[flipped.length - 1] ^= 0xff;
    expect(scanRecords(flipped)).toMatchObject({ tornBytes: recs[2]!.length, corruptAt: null });
  });
  it('calls a bad record followed by a good one corruption', () => {
    const flipped = Buffer.from(all);
    flipped[recs[0]!.length + RECORD_HEADER_BYTES] ^= 0xff; // the second record's payload
    expect(scanRecords(flipped)).toMatchObject({ goodBytes: recs[0]!.length, corruptAt: recs[0]!.length });
  });
});

describe('StateStore', () => {
  it('journals each change, and restore (snapshot + journal) gives the live state', async () => {
    const path = join(dir, 'state.json');
    const { hv, store } = await openFresh(path);
    const snapshotSize = statSync(path).size;
    await setMemType(hv, 1, 0x10, 4, HVMMEM_RAM_RO);
    await store.commit();
    expect(statSync(path).size).toBe(snapshotSize); // the snapshot is not rewritten per change
    expect(durable(path)).toEqual(live(hv));
    await hv.createDomain({ domid: 7, maxGpfn: 0xff });
    await hv.seedP2m(7, 0x20n, 3, HVMMEM_RAM_RO);
    await setMemType(hv, 1, 0x12, 1, HVMMEM_RAM_RW);
    await hv.dmOp(0, 1, [encodeDmOp('create_ioreq_server', { handle_bufioreq: 1 })]);
    await store.commit();
    expect(durable(path)).toEqual(live(hv));
    await hv.destroyDomain(7);
    await store.commit();
    expect(durable(path)).toEqual(live(hv));
    await store.close();
    const hv2 = new Hypervisor({ release: '4.22' });
    const again = await StateStore.open(path, hv2);
    expect(again.restored).toBe(true);
    expect(live(hv2)).toEqual(live(hv));
    await again.close();
  });

  it('a record follows the change: one page of a domain of 10^4 runs is a record of under 1 KiB', async () => {
    const path = join(dir, 'state.json');
    const { hv, store } = await openFresh(path);
    for (let i = 0; i < 10_000; i++) await hv.seedP2m(1, BigInt(2 * i), 1, HVMMEM_RAM_RO);
    await store.commit();
    const before = statSync(journalPath(path, journalGenerations(path).at(-1)!)).size;
    await setMemType(hv, 1, 0x80001, 1, HVMMEM_RAM_RO);
    await store.commit();
    const grew = statSync(journalPath(path, journalGenerations(path).at(-1)!)).size - before;
    expect(grew).toBeGreaterThan(RECORD_HEADER_BYTES);
    expect(grew).toBeLessThan(1024);
    await store.close();
  });

  it('group commit: commits made while a write runs share the next fsync', async () => {
    const path = join(dir, 'state.json');
    const { hv, store } = await openFresh(path);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) {
      await hv.seedP2m(1, BigInt(i * 2), 1, HVMMEM_RAM_RO);
      commits.push(store.commit());
    }
    await Promise.all(commits);
    expect(store.batches).toBeGreaterThanOrEqual(2);
    expect(store.batches).toBeLessThan(64);
    expect(durable(path)).toEqual(live(hv));
    await store.close();
  });

  it('compacts into a new snapshot when the journal grows, and keeps the state exactly', async () => {
    const path = join(dir, 'state.json');
    const { hv, store } = await openFresh(path, 2048);
    for (let i = 0; i < 400; i++) {
      await setMemType(hv, 1, (i * 7919) % 0x10000, 1 + (i % 5), i % 3 === 0 ? HVMMEM_RAM_RW : HVMMEM_RAM_RO);
      await store.commit();
      if (i % 50 === 0) expect(durable(path)).toEqual(live(hv));
    }
    await store.close();
    expect(store.compactions).toBeGreaterThan(3);
    expect(durable(path)).toEqual(live(hv));
    // Only the snapshot's journals are left.
    expect(journalGenerations(path).length).toBeLessThanOrEqual(2);
  });
});

describe('damage', () => {
  /** A snapshot and a journal with three records; returns the journal's path and the state after 2 and 3 records. */
  async function threeRecords(path: string) {
    const { hv, store } = await openFresh(path);
    const states = [];
    for (let i = 0; i < 3; i++) {
      await setMemType(hv, 1, 0x100 * (i + 1), 2, HVMMEM_RAM_RO);
      await store.commit();
      states.push(live(hv));
    }
    await store.close();
    return { journal: journalPath(path, journalGenerations(path).at(-1)!), states };
  }

  it('a torn tail is dropped, never applied: start-up gives the state before it', async () => {
    const path = join(dir, 'state.json');
    const { journal, states } = await threeRecords(path);
    const bytes = readFileSync(journal);
    writeFileSync(journal, bytes.subarray(0, bytes.length - 5));
    expect(durable(path)).toEqual(states[1]);
    const hv = new Hypervisor({ release: '4.22' });
    const store = await StateStore.open(path, hv);
    expect(store.droppedBytes).toBeGreaterThan(0);
    expect(live(hv)).toEqual(states[1]);
    await store.close();
    // Start-up wrote the state as a new snapshot: the torn bytes are gone for good.
    expect(journalGenerations(path).every((g) => g > 0)).toBe(true);
    expect(durable(path)).toEqual(states[1]);
    // Garbage appended after a clean end is a torn tail too.
    appendFileSync(journalPath(path, journalGenerations(path)[0]!), Buffer.from([1, 2, 3]));
    expect(durable(path)).toEqual(states[1]);
  });

  it('a bad checksum in the middle refuses start-up and leaves the files as they are', async () => {
    const path = join(dir, 'state.json');
    const { journal } = await threeRecords(path);
    const bytes = Buffer.from(readFileSync(journal));
    const second = scanRecords(bytes).records[1]!; // the first change record
    const at = second.byteOffset - bytes.byteOffset + 3;
    bytes[at] ^= 0x20;
    writeFileSync(journal, bytes);
    const before = files();
    const contents = bytesOf(before);
    await expect(StateStore.open(path, new Hypervisor({ release: '4.22' }))).rejects.toThrow(/damaged record .* followed by good ones/);
    expect(files()).toEqual(before);
    expect(bytesOf(files())).toEqual(contents);
  });

  it('a damaged snapshot refuses start-up and is left as it is', async () => {
    const path = join(dir, 'state.json');
    await threeRecords(path);
    const bytes = Buffer.from(readFileSync(path));
    bytes[bytes.length - 2] = 0x7b;
    writeFileSync(path, bytes);
    const before = files();
    const contents = bytesOf(before);
    await expect(StateStore.open(path, new Hypervisor({ release: '4.22' }))).rejects.toThrow(InputError);
    expect(files()).toEqual(before);
    expect(bytesOf(files())).toEqual(contents);
  });
});

/** A small tmpfs for the disk-full test (needs root; skipped elsewhere). */
describe('disk full', () => {
  const mnt = join(tmpdir(), `xenmem-enospc-${process.pid}`);
  let why: string | null = 'not mounted yet';
  beforeAll(() => {
    why = mountTmpfs(mnt, '256k');
    // CI=true runs as root: there a tmpfs that does not mount fails the test.
    if (why !== null && tmpfsRequired) throw new Error(`the tmpfs must mount under CI=true: ${why}`);
  });
  afterAll(() => {
    if (why === null) unmountTmpfs(mnt);
  });

  it('ENOSPC fails the commit, keeps the old state on disk and in memory, and recovers once there is room', async (t) => {
    t.skip(why !== null, `cannot run here: ${why}`);
    const path = join(mnt, 'state.json');
    const { hv, store } = await openFresh(path);
    await setMemType(hv, 1, 0x10, 1, HVMMEM_RAM_RO);
    await store.commit();
    const acknowledged = live(hv);
    // Fill the disk to the last byte.
    const filler = join(mnt, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(512 * 1024));
    } catch {
      // ENOSPC: what fitted stays
    }
    for (let i = 0; i < 200; i++) await hv.seedP2m(1, BigInt(0x1000 + 2 * i), 1, HVMMEM_RAM_RO);
    const err = await store.commit().then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).toBe('ENOSPC');
    expect(durable(path)).toEqual(acknowledged);
    // The running state was set back to what the disk holds.
    expect(live(hv)).toEqual(acknowledged);
    expect(store.rollbacks).toBe(1);
    // Nothing changed since: nothing to write, no failure. Still full: the next change fails too, and is undone.
    await store.commit();
    await hv.seedP2m(1, 0x3000n, 1, HVMMEM_RAM_RO);
    const err2 = await store.commit().then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(err2?.code).toBe('ENOSPC');
    expect(durable(path)).toEqual(acknowledged);
    expect(live(hv)).toEqual(acknowledged);
    rmSync(filler);
    await hv.seedP2m(1, 0x3000n, 1, HVMMEM_RAM_RO);
    await store.commit();
    expect(live(hv)).not.toEqual(acknowledged);
    expect(durable(path)).toEqual(live(hv));
    await store.close();
  });
});
