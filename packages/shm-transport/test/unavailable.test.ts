/**
 * Without a loadable binary the package still imports: `available` is false with the reason, and
 * creating a region or a watcher throws ShmTransportUnavailableError. The package is copied without
 * its .node file and imported in a child process.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so that the copy resolves @xenmem/napi-loader from the workspace's node_modules.
const copy = mkdtempSync(join(pkg, '.nonative-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

it('imports without the binary: available false, a reason, and create/open/Watcher throw it', () => {
  cpSync(join(pkg, 'dist'), join(copy, 'dist'), { recursive: true });
  cpSync(join(pkg, 'package.json'), join(copy, 'package.json'));
  mkdirSync(join(copy, 'native'));
  cpSync(join(pkg, 'native', 'index.cjs'), join(copy, 'native', 'index.cjs'));
  const script = `
    const m = await import(${JSON.stringify(join(copy, 'dist', 'index.js'))});
    const errors = [];
    for (const f of [() => m.ShmRegion.create('/dev/shm/never', 4096), () => m.ShmRegion.open('/dev/shm/never'), () => new m.Watcher({}, 0, () => {})]) {
      try { f(); errors.push('no error'); } catch (e) { errors.push(e.name + ': ' + e.message); }
    }
    console.log(JSON.stringify({ available: m.available, reason: m.unavailableReason, errors }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout) as { available: boolean; reason: string; errors: string[] };
  const reason = `the addon is not built for linux-${process.arch} (no ${join(copy, 'native', '*.node')}; build it with \`npm run build:native -w @xenmem/shm-transport\`)`;
  expect(out).toEqual({
    available: false,
    reason,
    errors: Array(3).fill(`ShmTransportUnavailableError: the native shared-memory transport is unavailable: ${reason}`),
  });
});
