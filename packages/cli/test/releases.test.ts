/**
 * One simulated release range everywhere: the schema's releases with recorded behaviour (SIMULATED_RANGE of
 * @xenmem/hypervisor-sim), in the refusals of `sim serve --xen` and `run --xen`, in their help, and in the README.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RELEASES } from '@xenmem/abi-types';
import { SIMULATED_RANGE, SIMULATED_RELEASES } from '@xenmem/hypervisor-sim';
import { SIMULATED } from '../src/argv.js';
import { runCli } from '../src/cli.js';
import type { CliEnv } from '../src/backend.js';
import { captureIo } from '../src/io.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');

async function run(argv: string[], env: Partial<CliEnv> = {}) {
  const io = captureIo();
  const code = await runCli(argv, io, env);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('the simulated release range', () => {
  it('is the schema\'s releases with recorded behaviour, without a gap: 4.6–4.22', () => {
    const names = RELEASES.map((r) => r.name);
    const first = names.indexOf(SIMULATED_RELEASES[0]!);
    expect(SIMULATED_RELEASES).toEqual(names.slice(first, first + SIMULATED_RELEASES.length));
    expect(SIMULATED_RANGE).toBe('4.6–4.22');
    expect(SIMULATED).toBe(SIMULATED_RANGE);
  });

  it('sim serve --xen 4.99 and --xen 4.5: the same refusal, naming the range; no daemon starts', async () => {
    let starts = 0;
    const env: Partial<CliEnv> = { startDaemon: async () => ({ close: () => void starts++ }), untilStopped: async () => 'SIGINT' };
    for (const xen of ['4.99', '4.5'])
      expect(await run(['sim', 'serve', '--socket', 's', '--xen', xen], env)).toEqual({
        code: 2,
        stdout: '',
        stderr: `xenmem sim serve: release "${xen}" is not simulated: the simulator covers Xen ${SIMULATED_RANGE}\n`,
      });
    expect(starts).toBe(0);
  });

  it('help of sim serve and run names the range; the README says the same', async () => {
    expect((await run(['sim', 'serve', '--help'])).stdout).toContain(`--xen <release>     hypervisor release, ${SIMULATED_RANGE} (default: latest)`);
    expect((await run(['run', '--help'])).stdout).toContain(`hypervisor release, ${SIMULATED_RANGE} (overrides the file's xen)`);
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    expect(readme).toContain(`A Xen model for tests without a Xen host: releases ${SIMULATED_RANGE},`);
    expect([...readme.matchAll(/\b4\.\d+\s*(?:–|…|-)\s*4\.\d+\b/g)].map((m) => m[0].replace(/\s/g, ''))).toEqual([SIMULATED_RANGE]);
  });
});
