/**
 * `xenmem sim serve` when it cannot start, run as users run it (the real bin, a child process): each refusal
 * exits at once with the real reason and exit 2 (an unusable option), and leaves no socket, no
 * /dev/shm/xenmem-<pid>-* arena and no file it created (state, trace) behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from './serve-child.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/xenmem.mjs');
const dir = mkdtempSync(join(tmpdir(), 'xenmem-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Arena files of a daemon process (its pid is in the name). */
const arenasOf = (pid: number | undefined) => (existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((n) => n.startsWith(`xenmem-${pid}-`)) : []);

/** `xenmem sim serve ARGS` expected to refuse: its exit code, output, and the arenas it left. */
function refuse(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'sim', 'serve', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, arenas: arenasOf(r.pid) };
}

/** Starts a daemon that stays; resolves once it says it listens (it is stopped with SIGTERM at once after that). */
async function serve(...args: string[]): Promise<{ stop: () => Promise<number | null>; pid: number }> {
  const child = await startServe(args);
  return { pid: child.pid!, stop: () => new Promise((done) => (child.once('exit', (code) => done(code)), child.kill('SIGTERM'))) };
}

const refused = (stderr: string) => ({ code: 2, signal: null, stdout: '', stderr, arenas: [] });

describe('xenmem sim serve refuses at once and leaves nothing behind', () => {
  it('a --socket path longer than a Unix socket path holds (107 bytes)', () => {
    const long = join(dir, `${'a'.repeat(130 - dir.length - 6)}.sock`);
    expect(Buffer.byteLength(long)).toBe(130);
    expect(refuse('--socket', long)).toEqual(refused(`xenmem sim serve: --socket ${JSON.stringify(long)} is 130 bytes long; a Unix socket path holds at most 107 bytes: choose a shorter path\n`));
    // Nothing at the path the kernel would have cut it to, nor anywhere else in the directory.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a --socket path of exactly 107 bytes is served at that path (with the xenstore socket given its own)', async () => {
    const path = join(dir, `${'b'.repeat(107 - dir.length - 6)}.sock`);
    expect(Buffer.byteLength(path)).toBe(107);
    const d = await serve('--socket', path, '--xenstore', join(dir, 'xs'));
    expect(readdirSync(dir).sort()).toEqual([path.slice(dir.length + 1), 'xs']);
    expect(await d.stop()).toBe(0);
    expect([readdirSync(dir), arenasOf(d.pid)]).toEqual([[], []]);
  });

  it('a --socket path too long for S.xenstore beside it says how long it may be', () => {
    const path = join(dir, `${'b'.repeat(107 - dir.length - 6)}.sock`);
    expect(refuse('--socket', path)).toEqual(
      refused(`xenmem sim serve: --socket ${JSON.stringify(path)} leaves no room for the xenstore socket beside it (${path}.xenstore is 116 bytes; a Unix socket path holds at most 107): choose a path of at most 98 bytes, or give the xenstore socket its own path (xenstorePath; xenmem sim serve --xenstore)\n`),
    );
  });

  it('a --xenstore path that is a file is refused by that flag', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    expect(refuse('--socket', join(dir, 's'), '--xenstore', file)).toEqual(refused(`xenmem sim serve: --xenstore ${JSON.stringify(file)} exists and is not a socket; remove it or choose another path\n`));
    rmSync(file);
  });

  it('a --socket in a directory that does not exist', () => {
    const path = join(dir, 'missing/x.sock');
    expect(refuse('--socket', path)).toEqual(refused(`xenmem sim serve: --socket ${JSON.stringify(path)} is in a directory that does not exist (${join(dir, 'missing')})\n`));
  });

  it('a --socket under a file that is not a directory', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    expect(refuse('--socket', join(file, 'x.sock'))).toEqual(refused(`xenmem sim serve: --socket ${JSON.stringify(join(file, 'x.sock'))} is under ${file}, which is not a directory\n`));
    rmSync(file);
  });

  it('a --socket in a directory where no socket can be made (/proc)', () => {
    // root passes the directory's permission check and gets bind(2)'s EACCES; another user is refused before.
    const stderr = process.getuid?.() === 0 ? 'xenmem sim serve: --socket "/proc/xenmem.sock" cannot be created: EACCES from bind(2)\n' : 'xenmem sim serve: --socket "/proc/xenmem.sock" is in a directory this user cannot write (/proc)\n';
    expect(refuse('--socket', '/proc/xenmem.sock')).toEqual(refused(stderr));
  });

  it('a --socket path that exists and is not a socket, left as it was', () => {
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep');
    expect(refuse('--socket', file)).toEqual(refused(`xenmem sim serve: --socket ${JSON.stringify(file)} exists and is not a socket; remove it or choose another path\n`));
    expect(readFileSync(file, 'utf8')).toBe('keep');
    rmSync(file);
  });

  it('a --socket a running daemon serves; that daemon goes on', async () => {
    const path = join(dir, 'live.sock');
    const first = await serve('--socket', path);
    expect(refuse('--socket', path)).toEqual(refused(`xenmem sim serve: --socket ${JSON.stringify(path)} is in use by a running daemon\n`));
    expect(spawnSync(process.execPath, [bin, 'sim', 'create-domain', '--socket', path, '--domid', '1', '--max-gpfn', '0xff'], { encoding: 'utf8' }).status).toBe(0);
    expect(await first.stop()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a corrupt --state file, left as it was', () => {
    const state = join(dir, 'bad.json');
    writeFileSync(state, '{bad');
    expect(refuse('--socket', join(dir, 's.sock'), '--state', state)).toEqual(
      refused(`xenmem sim serve: --state ${JSON.stringify(state)} is not a state document (${state} body is not UTF-8 JSON)\n`),
    );
    expect([readdirSync(dir), readFileSync(state, 'utf8')]).toEqual([['bad.json'], '{bad']);
    rmSync(state);
  });

  it('a --state that is a directory', () => {
    expect(refuse('--socket', join(dir, 's.sock'), '--state', dir)).toEqual(refused(`xenmem sim serve: --state ${JSON.stringify(dir)} exists and is not a regular file\n`));
  });

  it('a --trace that cannot be opened', () => {
    const trace = join(dir, 'missing/t.jsonl');
    expect(refuse('--socket', join(dir, 's.sock'), '--trace', trace)).toEqual(refused(`xenmem sim serve: --trace ${JSON.stringify(trace)} cannot be opened for appending (ENOENT)\n`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('a socket that fails at bind(2) removes the state and trace files start-up had created', () => {
    const state = join(dir, 'new-state.json');
    const trace = join(dir, 'new-trace.jsonl');
    expect(refuse('--socket', '/proc/xenmem.sock', '--state', state, '--trace', trace)).toEqual(refused('xenmem sim serve: --socket "/proc/xenmem.sock" cannot be created: EACCES from bind(2)\n'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an existing --trace file is kept (appended to, never removed) when start-up fails', () => {
    const trace = join(dir, 'old-trace.jsonl');
    writeFileSync(trace, '{"t":0}\n');
    expect(refuse('--socket', join(dir, 'missing/x.sock'), '--trace', trace).code).toBe(2);
    expect(readFileSync(trace, 'utf8')).toBe('{"t":0}\n');
    rmSync(trace);
  });

  it('bad options', () => {
    const s = join(dir, 's.sock');
    expect(refuse('--socket', s, '--shm-poll-us', '5000')).toMatchObject({ code: 2, stdout: '', arenas: [] });
    expect(refuse('--socket', s, '--shm-poll-us', '5000').stderr).toMatch(/^error: option '--shm-poll-us <us>' argument '5000' is invalid\. --shm-poll-us: 5000 is above 1000 \(µs\)\n/);
    expect(refuse('--socket', s, '--domain', 'domid=1,max-gpfn=1', '--domain', 'domid=1,max-gpfn=2')).toEqual(
      refused('xenmem sim serve: domid 1 already exists\n  fix --domain domid=1,… (each domid once)\n'),
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
