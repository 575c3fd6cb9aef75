/**
 * The journal under SIGKILL (docs/reliability.md "Daemon state file"): a daemon with a small compaction
 * threshold (so kills also land while a snapshot is being written) takes pipelined set_mem_type calls from
 * several clients, each on its own gfn region, and is SIGKILLed at a random moment. The files then must hold,
 * for every client, its region as after a prefix of its calls at least as long as what it had acknowledged
 * (and at most what it had sent); the daemon must restart on them, and the clients go on from there.
 * `npm test`: 3 kills, 2 clients; XENMEM_LONG=1: 20 kills, 4 clients. XENMEM_SEED=N repeats a run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeDmOp } from '@xenmem/abi-types';
import { FrameKind, decodeHypercallDone, encodeDmOpRequest } from '@xenmem/sim-protocol';
import { mulberry32 } from '../../src/preempt.js';
import { P2M_RAM_RO, P2M_RAM_RW } from '../../src/p2m-types.js';
import { readDurableState } from '../../src/state/index.js';
import { RawClient } from '../daemon/raw-client.js';

const LONG = process.env.XENMEM_LONG === '1';
const KILLS = LONG ? 20 : 3;
const CLIENTS = LONG ? 4 : 2;
const IN_FLIGHT = 8;
const REGION = 256;
const HVMMEM_RAM_RW = 0;
const HVMMEM_RAM_RO = 1;
const regionBase = (client: number) => 0x1000 * (client + 1);
const DAEMON = fileURLToPath(new URL('./fixtures/journal-daemon.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xenmem-kill-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A set_mem_type call: region-relative first page, pages, HVMMEM type. */
interface Call {
  first: number;
  nr: number;
  type: number;
}

/** One client's model: its region's types after the calls the files are known to hold, and the calls since. */
interface Model {
  base: number[];
  sent: Call[];
  acked: number;
}

const apply = (types: number[], calls: Call[]) => {
  const t = [...types];
  for (const c of calls) for (let i = 0; i < c.nr; i++) t[c.first + i] = c.type === HVMMEM_RAM_RO ? P2M_RAM_RO : P2M_RAM_RW;
  return t;
};

function serve(socket: string, state: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [DAEMON, socket, state, '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
  });
}

/** Region types of each client in the files' state. */
function durableRegions(state: string): number[][] {
  const d = readDurableState(state, '4.22')!.state.domains.find((x) => x.domid === 1)!;
  return Array.from({ length: CLIENTS }, (_, c) => {
    const t = new Array<number>(REGION).fill(P2M_RAM_RW);
    const base = regionBase(c);
    for (const [first, count, type] of d.p2m)
      for (let g = Math.max(first, base); g < Math.min(first + count, base + REGION); g++) t[g - base] = type;
    return t;
  });
}

/** Sends calls with up to IN_FLIGHT unanswered until the connection dies; counts replies in `model.acked`. */
async function drive(socket: string, client: number, model: Model, rand: () => number): Promise<void> {
  let c: RawClient;
  try {
    c = await RawClient.open(socket, 0);
  } catch {
    return;
  }
  const ids: number[] = [];
  for (;;) {
    while (ids.length < IN_FLIGHT && !c.closed) {
      const nr = 1 + Math.floor(rand() * 8);
      const call = { first: Math.floor(rand() * (REGION - nr)), nr, type: rand() < 0.5 ? HVMMEM_RAM_RO : HVMMEM_RAM_RW };
      model.sent.push(call);
      const op = encodeDmOp('set_mem_type', { mem_type: call.type, first_pfn: BigInt(regionBase(client) + call.first), nr: call.nr });
      ids.push(c.send(FrameKind.dmOp, encodeDmOpRequest({ domid: 1, bufs: [op] })));
    }
    const id = ids[0]!;
    const f = await c.take((x) => x.id === id, 10_000).catch(() => null);
    if (!f) return;
    ids.shift();
    expect(f.kind).toBe(FrameKind.hypercallDone);
    expect(decodeHypercallDone(f.payload).rc).toBe(0);
    model.acked++;
  }
}

describe('the state journal survives SIGKILL under load', () => {
  it(`${KILLS} kills, ${CLIENTS} clients with ${IN_FLIGHT} calls in flight each: the files hold a prefix of each client's calls, at least the acknowledged ones`, { timeout: LONG ? 600_000 : 90_000 }, async () => {
    const seed = Number(process.env.XENMEM_SEED ?? Date.now() % 2 ** 31);
    const rand = mulberry32(seed);
    const socket = join(dir, 'sim.sock');
    const state = join(dir, 'state.json');
    const models: Model[] = Array.from({ length: CLIENTS }, () => ({ base: new Array<number>(REGION).fill(P2M_RAM_RW), sent: [], acked: 0 }));
    let midCompaction = 0;
    let acknowledged = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = await serve(socket, state);
      const driving = models.map((m, i) => drive(socket, i, m, mulberry32(seed + kill * 97 + i)));
      await new Promise((r) => setTimeout(r, 150 + rand() * 600));
      // Files as the kill finds them: a snapshot temp file or a second journal means a compaction was under way.
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const names = readdirSync(dir);
      if (names.some((n) => n.includes('.tmp-')) || names.filter((n) => n.includes('.journal-')).length > 1) midCompaction++;
      await Promise.all(driving);
      const regions = durableRegions(state);
      models.forEach((m, i) => {
        const lengths = [];
        for (let n = m.acked; n <= m.sent.length; n++) if (JSON.stringify(apply(m.base, m.sent.slice(0, n))) === JSON.stringify(regions[i])) lengths.push(n);
        expect(lengths.length, `seed ${seed}, kill ${kill}, client ${i}: ${m.acked} acknowledged of ${m.sent.length} sent, no prefix matches the files`).toBeGreaterThan(0);
        acknowledged += m.acked;
        Object.assign(m, { base: regions[i]!, sent: [], acked: 0 });
      });
    }
    // The daemon starts on what the last kill left, and serves what the files hold.
    const child = await serve(socket, state);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(durableRegions(state)).toEqual(models.map((m) => m.base));
    expect(existsSync(state)).toBe(true);
    console.log(`kill-loop: seed ${seed}, ${KILLS} kills, ${acknowledged} calls acknowledged, ${midCompaction} kills during a compaction`);
    if (LONG) expect(midCompaction, `seed ${seed}`).toBeGreaterThan(0);
  });
});
