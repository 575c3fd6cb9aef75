import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNativeP2mCore, tsP2mCore, type P2mCore } from '../../src/index.js';
import { formatProblem, hypervisorForScenario, loadScenarioFile, runScenario } from '../../src/scenario/index.js';

// Every scenario in examples/ is an executable spec: it must load and every expectation must hold, on
// both p2m cores.
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const files = readdirSync(EXAMPLES).filter((f) => /\.(json|ya?ml)$/.test(f)).sort();
const CORES: [string, () => P2mCore][] = [
  ['native', () => loadNativeP2mCore()],
  ['ts', () => tsP2mCore],
];

describe('examples/', () => {
  it('has JSON and YAML scenarios', () => {
    expect(files.filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
    expect(files.filter((f) => /\.ya?ml$/.test(f)).length).toBeGreaterThan(0);
  });

  // Editors complete and check a file that names its schema; the loader accepts and ignores `$schema`.
  it.each(files)('%s names scenario.schema.json as its $schema', (name) => {
    // The top-level key, in JSON (`"$schema": "…"`) or YAML (`$schema: …`); the loader drops it.
    const key = /^ {0,2}"?\$schema"?: "?([^",\s]+)"?,?$/m.exec(readFileSync(join(EXAMPLES, name), 'utf8'));
    expect(key?.[1]).toBe('../packages/hypervisor-sim/scenario.schema.json');
    expect(existsSync(resolve(EXAMPLES, key![1]))).toBe(true);
    expect(loadScenarioFile(join(EXAMPLES, name)).ok).toBe(true);
  });

  describe.each(CORES)('on the %s p2m core', (_name, core) => {
    it.each(files)('%s passes', async (name) => {
      const loaded = loadScenarioFile(join(EXAMPLES, name));
      if (!loaded.ok) expect.fail(loaded.problems.map(formatProblem).join('\n'));
      const result = await runScenario(loaded.scenario, hypervisorForScenario(loaded.scenario, { p2m: core() }));
      const failed = result.steps.filter((s) => s.expectMet === false).map((s) => `steps[${s.index}] ${s.op}: ${JSON.stringify(s.mismatches)}`);
      expect(failed).toEqual([]);
      expect(result.passed).toBe(true);
      // Examples state Xen's answers: most steps carry an expectation.
      expect(result.steps.filter((s) => s.expectMet === true).length).toBeGreaterThan(0);
    });
  });
});
