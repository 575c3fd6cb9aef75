/**
 * docs/cli.md is generated from the command definitions (`npm run docs:cli -w @xenmem/cli`): it must equal what
 * they render today, and name every command and flag the parser has.
 */
import { readFileSync } from 'node:fs';
import { WORKLOAD_IDS } from '@xenmem/bench';
import { describe, expect, it } from 'vitest';
import { allCommands, commandTree } from '../src/reference/command-tree.js';
import { cliReference } from '../src/reference/cli-reference-document.js';

const DOC = new URL('../../../docs/cli.md', import.meta.url);

describe('docs/cli.md', () => {
  it('is up to date with the command definitions (regenerate: npm run docs:cli -w @xenmem/cli)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(cliReference());
  });

  it('has a section for every command, a row for every flag, the exit codes and XENMEM_SOCKET', () => {
    const doc = readFileSync(DOC, 'utf8');
    const commands = allCommands(commandTree({ benchIds: WORKLOAD_IDS }));
    expect(commands.length).toBeGreaterThan(30);
    for (const c of commands) {
      expect(doc).toContain(`\n## ${c.path}\n`);
      for (const f of c.flags) expect(doc).toContain(`| \`${f.flags.replace(/\|/g, '\\|')}\` |`);
    }
    expect(doc).toContain('| 2 | usage error or unusable input');
    expect(doc).toContain('| `--socket <path>` | the simulator daemon\'s Unix socket (xenmem sim serve --socket PATH) | required; env XENMEM_SOCKET |');
    expect(doc).toContain('| `--domid <domid>` | target domain | required |');
    expect(doc).toContain(`run only these workloads (comma-separated): ${WORKLOAD_IDS.join(', ')}`);
  });
});
