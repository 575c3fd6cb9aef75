/**
 * ioreq-roundtrip-qemu's parts that need no QEMU: finding the binary (XENMEM_QEMU, the repository's package
 * cache, an installed one), its ratio lines against the JavaScript device model's figures, and its table in
 * docs/benchmarks.md (round trips and the start-up median side by side).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findQemuBinary } from '../src/qemu-binary.js';
import { ratioLines, renderMarkdown } from '../src/report.js';
import type { BenchDocument } from '../src/runner.js';

const rate = (p50Us: number, p99Us: number) => ({ opsPerSec: 1e6 / p50Us, p50Us, p99Us, samples: 2000 });

describe('ioreq-roundtrip-qemu', () => {
  const dirs: string[] = [];
  const saved = process.env['XENMEM_QEMU'];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    if (saved === undefined) delete process.env['XENMEM_QEMU'];
    else process.env['XENMEM_QEMU'] = saved;
  });

  /** A stand-in binary that prints `line` for --version and exits `status`. */
  function fakeQemu(line: string, status: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-fake-qemu-'));
    dirs.push(dir);
    const binary = join(dir, 'xen-qemu-system-i386');
    writeFileSync(binary, `#!/bin/sh\necho '${line}'\nexit ${status}\n`);
    chmodSync(binary, 0o755);
    return binary;
  }

  it('takes XENMEM_QEMU first, with its --version line and an unknown package version', () => {
    process.env['XENMEM_QEMU'] = fakeQemu('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)', 0);
    expect(findQemuBinary(tmpdir())).toEqual({ binary: process.env['XENMEM_QEMU'], libraryPath: '', packageVersion: 'unknown', version: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)' });
  });

  it("takes the package cache's binary with its library path and the manifest's version", () => {
    delete process.env['XENMEM_QEMU'];
    const cwd = mkdtempSync(join(tmpdir(), 'xenmem-fake-repo-'));
    dirs.push(cwd);
    mkdirSync(join(cwd, '.cache/debroot/usr/libexec'), { recursive: true });
    mkdirSync(join(cwd, '.cache/debroot/usr/lib/x86_64-linux-gnu'), { recursive: true });
    mkdirSync(join(cwd, '.cache/debs'), { recursive: true });
    const binary = join(cwd, '.cache/debroot/usr/libexec/xen-qemu-system-i386');
    writeFileSync(binary, "#!/bin/sh\necho 'QEMU emulator version 7.2.22'\n");
    chmodSync(binary, 0o755);
    writeFileSync(join(cwd, '.cache/debs/manifest.json'), JSON.stringify({ sets: { 'qemu-xen': [{ package: 'qemu-system-xen', version: '1:7.2+dfsg-7+deb12u18+b3' }] } }));
    expect(findQemuBinary(cwd)).toEqual({ binary, libraryPath: join(cwd, '.cache/debroot/usr/lib/x86_64-linux-gnu'), packageVersion: '1:7.2+dfsg-7+deb12u18+b3', version: 'QEMU emulator version 7.2.22' });
  });

  it('says why when the binary fails to report its version', () => {
    process.env['XENMEM_QEMU'] = fakeQemu('error while loading shared libraries', 127);
    expect(findQemuBinary(tmpdir())).toEqual({ error: `${process.env['XENMEM_QEMU']} --version exited 127: ` });
  });

  it("compares QEMU's p50 with daemon's (goal ≤ 2) and shm's (stretch ≤ 2)", () => {
    expect(ratioLines({ daemon: rate(40, 90), shm: rate(10, 30), qemu: rate(70, 200), 'qemu-startup': { medianMs: 350, p50Us: 350_000, p99Us: 420_000, samples: 5 } })).toEqual([
      'qemu p50 / daemon p50 = 1.75× (goal ≤ 2: met)',
      'qemu p50 / shm p50 = 7.00× (stretch goal ≤ 2: not met)',
    ]);
    expect(ratioLines({ daemon: rate(40, 90), shm: { error: 'no shm' }, qemu: { error: 'no QEMU' } })).toEqual([]);
  });

  it('renders round trips and the start-up median in one table, rates and durations in columns of their own', () => {
    const doc = {
      machine: { cpus: 2, node: 'v20.10.0', rustc: null },
      workloads: [{ id: 'ioreq-roundtrip-qemu', params: { count: 2000 }, results: { daemon: rate(40, 90), qemu: rate(100, 300), 'qemu-startup': { medianMs: 350, p50Us: 350_000, p99Us: 420_000, samples: 5 } } }],
    } as unknown as BenchDocument;
    const md = renderMarkdown(doc);
    expect(md).toContain('| impl | ops/s | median | p50 | p99 | samples |');
    expect(md).toContain('| qemu | 10.0 k/s |  | 100 µs | 300 µs | 2000 |');
    expect(md).toContain('| qemu-startup |  | 350 ms | 350 ms | 420 ms | 5 |');
    expect(md).toContain('- qemu p50 / daemon p50 = 2.50× (goal ≤ 2: not met)');
  });
});
