/** No shipped file cites a document the repository does not have (DESIGN.md, "reference §6.3", ../shared). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { foreignCitations, foreignCitationsIn, scannedFiles } from '../src/citations.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let planted: string | undefined;

function tree(files: Record<string, string>): string {
  planted = mkdtempSync(join(tmpdir(), 'citations-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(planted, path)), { recursive: true });
    writeFileSync(join(planted, path), text);
  }
  return planted;
}

afterEach(() => {
  if (planted) rmSync(planted, { recursive: true, force: true });
  planted = undefined;
});

describe('foreign citations', () => {
  it('the repository has none', () => {
    expect(foreignCitations(ROOT)).toEqual([]);
  });

  it('the scan reaches docs, examples, package sources, help texts and generator sources', () => {
    const files = scannedFiles(ROOT);
    expect(files).toContain('README.md');
    expect(files).toContain('docs/simulator.md');
    expect(files).toContain('packages/cli/src/dm-op-table.ts');
    expect(files).toContain('packages/hypervisor-sim/scenario.schema.json');
    expect(files.some((f) => f.startsWith('examples/') && f.endsWith('.json'))).toBe(true);
    expect(files.some((f) => f.startsWith('docs/api/'))).toBe(true);
    expect(files).toContain('packages/hypervisor-sim/test/hypervisor/set-mem-type.test.ts');
    expect(files).toContain('tests/xen-programs/test/qemu.test.ts');
    expect(files.some((f) => f.endsWith('CHANGELOG.md'))).toBe(false);
  });

  it('names each planted citation by file and line', () => {
    const root = tree({
      'docs/a.md': 'fine\nsee DESIGN.md "CLI"\n',
      'packages/x/src/b.ts': '/** lossy (reference §6.3) */\nconst a = 1; // §6.8 and the reference\n',
      'examples/c.json': '{ "note": "../shared/reference/xen.md" }\n',
      'packages/x/test/d.test.ts': '// set_mem_type (reference §6.1)\n',
      'packages/x/CHANGELOG.md': 'DESIGN.md\n',
      'packages/x/src/e.ts': '// xen/arch/x86/hvm/dm.c dm_op() @ RELEASE-4.9.0 and docs/simulator.md\n',
    });
    expect(foreignCitations(root)).toEqual([
      'docs/a.md:2: DESIGN.md',
      'examples/c.json:1: ../shared',
      'packages/x/src/b.ts:1: reference §',
      'packages/x/src/b.ts:2: §6',
      'packages/x/src/b.ts:2: the reference',
      'packages/x/test/d.test.ts:1: reference §',
    ]);
  });

  it('matches each pattern on a line of its own', () => {
    expect(foreignCitationsIn('f', 'a\nThe reference says\n§ 6.2')).toEqual([
      { file: 'f', line: 2, text: 'The reference' },
      { file: 'f', line: 3, text: '§ 6' },
    ]);
  });
});
