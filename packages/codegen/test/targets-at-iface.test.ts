/**
 * The ts and rust targets generated at an interface version (`xenmem gen --iface`) still compile: the TypeScript
 * modules under `tsc --strict`, the Rust module as the xenmem-abi crate's generated.rs (`cargo check`, the crate
 * copied into a temporary directory). The go, python and c targets are built and run at interface versions by
 * go-binding.test.ts, python-binding.test.ts and the CLI's gen tests.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTargetAt } from './generated-at.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'xenmem-targets-iface-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Below every rename the schema records (sched_op 0x00030101, address_bits 0x00030209), and from 0x00040900.
const IFACES = [0x00030100, 0x00040900];

describe.each(IFACES)('at interface version %i', (iface) => {
  it('the ts target type-checks (tsc --strict)', () => {
    const out = writeTargetAt(repo, 'ts', iface, join(tmp, `ts-${iface}`));
    const files = readdirSync(out).filter((f) => f.endsWith('.ts')).map((f) => join(out, f));
    expect(files.length).toBeGreaterThan(1);
    const r = spawnSync(join(repo, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', ...files], { cwd: out, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it.skipIf(spawnSync('cargo', ['--version']).status !== 0)('the rust target compiles as the crate\'s generated.rs (cargo check)', () => {
    const crate = join(tmp, `rust-${iface}`);
    cpSync(join(repo, 'packages/abi-types/rust'), crate, { recursive: true, filter: (src) => !src.includes('/tests') });
    writeTargetAt(repo, 'rust', iface, join(crate, 'src'));
    const r = spawnSync('cargo', ['check', '--offline', '--quiet'], { cwd: crate, encoding: 'utf8', env: { ...process.env, CARGO_TARGET_DIR: join(tmp, 'cargo-target') } });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 120_000);
});
