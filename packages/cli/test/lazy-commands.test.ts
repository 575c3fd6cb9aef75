/**
 * The dispatcher imports a command's module only when that command runs: `xenmem abi types` loads the parser
 * and the wiring, not the simulator, the client, the schema package or the benchmark suite; `xenmem --version`
 * loads none of them, not even the parser. Runs the built binary (dist/bin.js) with module hooks that list every
 * module loaded.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const DIST = pathToFileURL(fileURLToPath(new URL('../dist/', import.meta.url))).href;
const RECORD = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Starts `xenmem sim serve ARGS` (shared memory offered); resolves once it listens, with how to stop it. */
function serve(...args: string[]): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [BIN, 'sim', 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve(() => new Promise((done) => (child.once('exit', () => done()), child.kill('SIGTERM'))));
    });
    child.once('exit', (code) => reject(new Error(`xenmem sim serve exited ${code}: ${err}`)));
  });
}

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
  it('xenmem --version (or -V) loads bin.js and version.js: no parser, no commander, no other package', () => {
    for (const argv of [['--version'], ['-V'], ['--version', 'dm', '--bogus']]) {
      const r = loads(argv);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
      expect(own(r.urls)).toEqual(['bin.js', 'version.js']);
      expect(r.urls.filter((u) => !u.startsWith(DIST))).toEqual(['node:fs']);
    }
  });

  it('--version elsewhere on the line is the parser\'s: it loads the parser, and prints the same', () => {
    const r = loads(['abi', '--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(own(r.urls)).toEqual(['argv.js', 'backend.js', 'bin.js', 'cli.js', 'dm-op-table.js', 'help-text.js', 'io.js', 'parsed.js', 'version.js']);
    expect(heavy(r.urls)).toEqual([]);
  });

  it('xenmem abi types loads its own command module and not the simulator', () => {
    const r = loads(['abi', 'types', '--json']);
    expect(r.status).toBe(0);
    expect(own(r.urls)).toEqual(['argv.js', 'backend.js', 'bin.js', 'cli.js', 'commands/abi-types.js', 'dm-op-table.js', 'help-text.js', 'io.js', 'output.js', 'parsed.js', 'version.js']);
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

  it('xenmem dm one-shot over the socket loads the client, not the simulator, the shared-memory addon or the bench', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-loads-dm-'));
    const socket = join(dir, 's');
    const stop = await serve('--socket', socket, '--domain', 'domid=1,max-gpfn=0xff');
    try {
      const r = loads(['dm', '--socket', socket, 'get-mem-type', '--domid', '1', '--pfn', '0x10']);
      expect([r.status, r.stdout]).toEqual([0, 'get_mem_type: ok, pfn 0x10 is ram_rw (mem_type 0)\n']);
      expect(own(r.urls)).toEqual(['argv.js', 'backend.js', 'bin.js', 'cli.js', 'commands/dm.js', 'dm-op-table.js', 'help-text.js', 'io.js', 'output.js', 'parsed.js', 'version.js']);
      expect(heavy(r.urls)).toEqual(['ioreq-client']);
      // The daemon offers shared memory; a one-shot command stays on the socket and never loads the addon.
      expect(r.urls.filter((u) => u.includes('shm-transport'))).toEqual([]);
    } finally {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
