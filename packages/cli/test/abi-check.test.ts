import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaAsOfRelease, type XenAbiSchema } from '@xenmem/schema';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

const dir = mkdtempSync(join(tmpdir(), 'xenmem-abi-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const current = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as XenAbiSchema;

function write(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

async function check(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(['abi', 'check', ...argv], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('xenmem abi check', () => {
  it('the committed schema passes against the newest released snapshot', async () => {
    const r = await check();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: checked against .*schema\/released\/xen-abi\.1\.\d{4}-\d\d-\d\d\.json; 0 violations, 0 recorded exceptions\n$/);
  });

  it('4.8 → 4.9 passes through the recorded exception for value 4', async () => {
    const base = write('4.8.json', schemaAsOfRelease(current, '4.8'));
    const next = write('4.9.json', schemaAsOfRelease(current, '4.9'));
    const r = await check(next, '--base', base, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; findings: { rule: string; severity: string; subject: string }[] };
    expect(doc.ok).toBe(true);
    expect(doc.findings.filter((f) => f.severity === 'exception').map((f) => [f.rule, f.subject])).toEqual([['accept-tightened', 'hvmmem value 4']]);
  });

  it('a burnt number given a new meaning fails with meaning-changed (exit 1)', async () => {
    const next = structuredClone(current);
    const three = next.hvmmemTypes.find((v) => v.value === 3)!;
    three.names[1] = { ...three.names[1]!, name: 'write_protect', cName: 'HVMMEM_write_protect', semantics: 'ioreq_server' };
    const r = await check(write('reused.json', next));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/violation \[meaning-changed\] hvmmem value 3: hvmmem value 3 meant burnt \(HVMMEM_unused\)/);
    expect(r.stdout).toMatch(/violation \[name-removed\] hvmmem name unused/);
    expect(r.stdout).toMatch(/FAILED: .*; 2 violations, 0 recorded exceptions\n$/);
  });

  it('problems alike but for their indices are one line, after a one-line summary', async () => {
    const next = structuredClone(current);
    next.hvmmemTypes = next.hvmmemTypes.filter((v) => v.value !== 4);
    const r = await check(write('no-4.json', next));
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n');
    const total = Number(/^xenmem abi check: unusable input: (\d+) problems in (\d+) groups$/.exec(lines[0]!)?.[1]);
    expect(total).toBeGreaterThan(20);
    expect(lines.length - 2).toBeLessThan(total / 4);
    expect(r.stderr).toMatch(/\n {2}next: hvmmem value 4 is not in hvmmemTypes\[\] \(\d+ places: transitions\[\d+\]\.rows\[0\]\.to\.4, transitions\[\d+\]\.rows\[1\]\.to\.4, … \d+ more …, /);
  });

  it('findings of one rule that differ only in the name they are about are one group, after a one-line count', async () => {
    const next = structuredClone(current);
    for (const e of next.errno) e.value += 1000;
    const base = write('base.json', current);
    const r = await check(write('errno-moved.json', next), '--base', base);
    expect(r.code).toBe(1);
    const n = current.errno.length;
    const first = current.errno[0]!;
    const last = current.errno[n - 1]!;
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      `${n} violations, 0 recorded exceptions in 1 group of near-identical findings:`,
      `violation [reserved-not-append-only] errno ${first.name}: ${first.name} was ${first.value} and is now ${first.value + 1000}. Xen's errno values (public/errno.h) never change: restore ${first.value}.`,
      `  and ${n - 1} more alike: errno ${current.errno[1]!.name}, errno ${current.errno[2]!.name}, … ${n - 4} more …, errno ${last.name}`,
    ]);
    expect(r.stdout).toMatch(new RegExp(`\nFAILED: .*; ${n} violations, 0 recorded exceptions\n$`));
    // Every DMOP renamed: the sentences differ in C names only, so they group too.
    const renamed = structuredClone(current);
    for (const d of renamed.dmops) d.cName = `${d.cName}_v2`;
    const out = (await check(write('dmops-renamed.json', renamed), '--base', base)).stdout;
    expect(out.split('\n')[0]).toBe(`${renamed.dmops.length} violations, 0 recorded exceptions in 1 group of near-identical findings:`);
  });

  it('an unreadable or invalid file is unusable input (exit 2) naming the JSON path', async () => {
    expect((await check(join(dir, 'missing.json'))).code).toBe(2);
    const broken = structuredClone(current) as unknown as { releases: { name: unknown }[] };
    broken.releases[0]!.name = 45;
    const r = await check(write('broken.json', broken));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('next: releases[0].name: must be string');
  });
});
