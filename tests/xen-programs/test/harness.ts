/**
 * What the tests of this project share: the `xenmem` CLI as a user runs it (packages/cli/dist/bin.js), a
 * `xenmem sim serve` daemon per test file in a temporary directory, and programs started under
 * `xenmem sim exec` whose output lines the tests wait for.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(REPO, 'packages/cli/dist/bin.js');

/** `xenmem ARGS…` run to completion: its exit status and output. */
export function xenmem(args: string[], options: { timeoutMs?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `xenmem ARGS… --json` that must succeed: its parsed stdout. */
export function xenmemJson<T = unknown>(args: string[], options: { timeoutMs?: number } = {}): T {
  const r = xenmem([...args, '--json'], options);
  if (r.status !== 0) throw new Error(`xenmem ${args.join(' ')} --json exited ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

/** A child process whose stdout and stderr are kept, and whose lines a test can wait for. */
export class Program {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const wake = () => this.waiters.splice(0).forEach((w) => w());
    this.child.stdout!.on('data', (b: Buffer) => ((this.stdout += b.toString()), wake()));
    this.child.stderr!.on('data', (b: Buffer) => ((this.stderr += b.toString()), wake()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => (resolve({ code, signal }), wake())));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `test` holds on the output so far; fails with the output when the program exits or `ms` pass first. */
  async waitFor<T>(what: string, test: () => T | undefined, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = test();
      if (found !== undefined) return found;
      if (!this.running) throw new Error(`${what}: the program exited (${this.child.exitCode ?? this.child.signalCode}) first\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not within ${ms} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** The first stdout line matching `re`, once there. */
  line(re: RegExp, ms?: number): Promise<RegExpMatchArray> {
    return this.waitFor(`a line ${re}`, () => this.stdout.match(re) ?? undefined, ms);
  }

  /** The pids of the processes this one started (e.g. the program `xenmem sim exec` runs), from /proc. */
  children(pid = this.child.pid): number[] {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /**
   * Sends `signal` and waits for the exit (SIGKILL after `ms`). SIGKILL cannot be forwarded, so it goes to the
   * started program's own children first (the program under `xenmem sim exec`), then to it.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const killAll = () => {
      for (const pid of this.children()) process.kill(pid, 'SIGKILL');
      this.child.kill('SIGKILL');
    };
    if (this.running) signal === 'SIGKILL' ? killAll() : this.child.kill(signal);
    const timer = setTimeout(killAll, ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A `xenmem sim serve` daemon in a temporary directory; `stop()` ends it and removes the directory. */
export class Daemon {
  readonly dir: string;
  readonly socket: string;
  readonly program: Program;

  private constructor(dir: string, socket: string, program: Program) {
    this.dir = dir;
    this.socket = socket;
    this.program = program;
  }

  /** The daemon's trace (`--trace`): one JSON line per hypercall, control call and ioreq. */
  get trace(): string {
    return join(this.dir, 'trace.jsonl');
  }

  /** Starts a daemon at Xen `release` with `domains` (`--domain` specs) and a trace, and waits for its --json ready line. */
  static async start(release: string, domains: string[]): Promise<Daemon> {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-programs-'));
    const socket = join(dir, 'xen.sock');
    const program = new Program(process.execPath, [CLI, 'sim', 'serve', '--socket', socket, '--xen', release, ...domains.flatMap((d) => ['--domain', d]), '--trace', join(dir, 'trace.jsonl'), '--json']);
    await program.line(/^\{.*\}$/m);
    return new Daemon(dir, socket, program);
  }

  /** `CMD ARGS…` under `xenmem sim exec` on this daemon, with `env` added to the environment. */
  exec(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Program {
    return new Program(process.execPath, [CLI, 'sim', 'exec', '--socket', this.socket, '--', command, ...args], env);
  }

  async stop(): Promise<void> {
    await this.program.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
