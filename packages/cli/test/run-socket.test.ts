/**
 * docs/scenarios.md and docs/protocol.md: `xenmem run --socket PATH scenario` gives the in-process results.
 * Every example is run both ways: in process, and through a fresh daemon (the real one, on a temp socket,
 * reached by the real socket backend) whose hypervisor is the one the scenario asks for — its release and
 * its preemption policy (on a daemon the daemon's own policy applies, so the test gives it the scenario's).
 * The guest steps' `respond` answers reach the daemon through the ioreq forwarding frames
 * (docs/protocol.md "Ioreq handlers").
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hypervisorForScenario, loadScenarioFile, startDaemon } from '@xenmem/hypervisor-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const files = readdirSync(EXAMPLES)
  .filter((f) => /\.(json|ya?ml)$/.test(f))
  .sort();
const dir = mkdtempSync(join(tmpdir(), 'xenmem-run-socket-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io, {});
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('run --socket gives the in-process result for every example', () => {
  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files)('%s', async (name) => {
    const file = join(EXAMPLES, name);
    const loaded = loadScenarioFile(file);
    if (!loaded.ok) throw new Error(`${name} is not usable: ${JSON.stringify(loaded.problems)}`);
    const hypervisor = hypervisorForScenario(loaded.scenario);
    expect(hypervisor.release).toBe(loaded.scenario.xen);

    const inProcess = await run(['run', file, '--json']);
    expect(inProcess.stderr).toBe('');

    const socket = join(dir, `${name}.sock`);
    const daemon = await startDaemon({ socketPath: socket, hypervisor });
    try {
      const onDaemon = await run(['run', '--socket', socket, file, '--json']);
      expect(onDaemon.stderr).toBe('');
      expect(onDaemon.code).toBe(inProcess.code);
      expect(JSON.parse(onDaemon.stdout)).toEqual(JSON.parse(inProcess.stdout));
    } finally {
      await daemon.close();
    }
  });
});
