#!/usr/bin/env node
// Cross-process round trip of the shared-memory transport: two Node processes ping-pong over two words
// of one region with blocking wait()/signal(), 10,000 rounds, once with spinUs 0 (straight to
// FUTEX_WAIT) and once with spinUs 20. Prints the median and p99 round trip in µs per setting, and, as
// the baseline, the round trip of the same ping-pong over Node's IPC channel (process.send).
//
// Usage: node scripts/pingpong.mjs [rounds]   (build first: npx nx run @xenmem/shm-transport:build)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { available, ShmRegion, unavailableReason } from '../dist/index.js';

const A = 0; // parent → child
const B = 4; // child → parent
const [role, path, roundsArg, spinArg] = process.argv.slice(2);

if (role === 'child') {
  const region = ShmRegion.open(path);
  const rounds = Number(roundsArg);
  const spinUs = Number(spinArg);
  for (let i = 1; i <= rounds; i++) {
    if (region.wait(A, i - 1, 10_000, spinUs) !== i) throw new Error(`round ${i}: lost the parent`);
    region.signal(B);
  }
  region.close();
  process.exit(0);
} else if (role === 'ipc-child') {
  process.on('message', (m) => process.send(m));
  process.on('disconnect', () => process.exit(0));
} else {
  if (!available) {
    console.error(`shm-transport unavailable: ${unavailableReason}`);
    process.exit(1);
  }
  const rounds = Number(role ?? 10_000);
  const self = fileURLToPath(import.meta.url);
  const stats = (us) => {
    us.sort((x, y) => x - y);
    return { median: us[Math.floor(us.length / 2)], p99: us[Math.floor(us.length * 0.99)] };
  };

  const rows = [];
  for (const spinUs of [0, 20]) {
    const file = `/dev/shm/xenmem-pingpong-${process.pid}-${spinUs}`;
    const region = ShmRegion.create(file, 4096);
    const child = fork(self, ['child', file, String(rounds), String(spinUs)]);
    // Round 1 includes the child's start-up: wait for it before timing.
    region.signal(A);
    region.wait(B, 0, 30_000);
    const us = [];
    for (let i = 2; i <= rounds; i++) {
      const t0 = process.hrtime.bigint();
      region.signal(A);
      const b = region.wait(B, i - 1, 10_000, spinUs);
      us.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (b !== i) throw new Error(`round ${i}: word B is ${b}`);
    }
    await new Promise((resolve) => child.on('exit', resolve));
    region.unlink();
    region.close();
    rows.push({ transport: `shm wait/signal, spinUs ${spinUs}`, ...stats(us) });
  }

  // Baseline: the same ping-pong over Node's IPC channel (a pipe and the event loop on both sides).
  const child = fork(self, ['ipc-child']);
  const us = [];
  await new Promise((resolve) => {
    let i = 0;
    let t0 = 0n;
    const ping = () => {
      t0 = process.hrtime.bigint();
      child.send(i);
    };
    child.on('message', () => {
      if (i++ > 0) us.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (i < rounds) ping();
      else resolve();
    });
    ping();
  });
  child.disconnect();
  rows.push({ transport: 'node IPC (process.send), baseline', ...stats(us) });

  console.log(`${rounds} round trips between two Node processes (${process.platform}-${process.arch}, node ${process.version})`);
  for (const r of rows) console.log(`  ${r.transport.padEnd(36)} median ${r.median.toFixed(1).padStart(7)} µs   p99 ${r.p99.toFixed(1).padStart(8)} µs`);
}
