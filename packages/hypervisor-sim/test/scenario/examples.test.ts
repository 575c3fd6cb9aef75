import { readdirSync } from 'node:fs';
import { join } from 'node:path';
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
