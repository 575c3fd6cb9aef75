/**
 * The dispatcher imports a command's module only when that command runs: `xenmem --version` loads the parser
 * and the wiring, not the simulator, the client, the schema package or the benchmark suite. Runs the built
 * binary (dist/bin.js) with module hooks that list every module loaded.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const DIST = pathToFileURL(fileURLToPath(new URL('../dist/', import.meta.url))).href;
const RECORD = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs `xenmem ...argv`; returns its exit status, stdout and the modules it loaded. */
function loads(argv: string[]): { status: number | null; stdout: string; urls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-loads-'));
  try {
    const log = join(dir, 'loads.txt');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(RECORD).href, BIN, ...argv], { encoding: 'utf8', env: { ...process.env, XENMEM_LOAD_LOG: log } });
    return { status: r.status, stdout: r.stdout, urls: readFileSync(log, 'utf8').trim().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI's own modules among `urls`, relative to dist/, sorted. */
const own = (urls: string[]) => urls.filter((u) => u.startsWith(DIST)).map((u) => u.slice(DIST.length)).sort();
/** Which of the simulator, client, schema and bench packages `urls` reach. */
const heavy = (urls: string[]) => ['hypervisor-sim', 'ioreq-client', 'schema', 'bench'].filter((p) => urls.some((u) => u.includes(`/packages/${p}/`) || u.includes(`/@xenmem/${p}/`)));

describe('commands are loaded when they run', () => {
  it('xenmem --version loads the parser and the wiring only', () => {
    const r = loads(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(own(r.urls)).toEqual(['argv.js', 'backend.js', 'bin.js', 'cli.js', 'commands/dm-ops.js', 'help-text.js', 'io.js']);
    expect(heavy(r.urls)).toEqual([]);
  });

  it('xenmem abi types loads its own command module and not the simulator', () => {
    const r = loads(['abi', 'types', '--json']);
    expect(r.status).toBe(0);
    expect(own(r.urls)).toEqual(['argv.js', 'backend.js', 'bin.js', 'cli.js', 'commands/abi-types.js', 'commands/dm-ops.js', 'help-text.js', 'io.js', 'output.js']);
    expect(heavy(r.urls)).toEqual([]);
  });

  it('xenmem bench loads @xenmem/bench (an unknown workload: exit 2 once it is loaded)', () => {
    const r = loads(['bench', '--only', 'none']);
    expect(r.status).toBe(2);
    expect(own(r.urls)).toContain('commands/bench.js');
    expect(heavy(r.urls)).toContain('bench');
  });

  it('xenmem gen loads @xenmem/codegen, which --version and abi types do not', () => {
    const codegen = (urls: string[]) => urls.some((u) => u.includes('/packages/codegen/') || u.includes('/@xenmem/codegen/'));
    const r = loads(['gen', '--target', 'docs', '--out', fileURLToPath(new URL('../../../docs/abi', import.meta.url)), '--check']);
    expect(r.status).toBe(0);
    expect(own(r.urls)).toContain('commands/gen.js');
    expect(codegen(r.urls)).toBe(true);
    expect(codegen(loads(['--version']).urls)).toBe(false);
    expect(codegen(loads(['abi', 'types']).urls)).toBe(false);
  });
});
