/**
 * The benchmark's helper processes (packages/bench/scripts/bench-*.mjs): each prints one JSON line per event on
 * stdout ({"event":"ready",…} once it serves, {"event":"error", message} when it cannot). A child is always
 * stopped by whoever spawned it, in a `finally`: SIGTERM, then SIGKILL if it has not exited within a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A script of packages/bench/scripts/ (beside src/ and dist/, so one level above this file in either). */
export function benchScript(name: string): string {
  return fileURLToPath(new URL(`../scripts/${name}`, import.meta.url));
}

export type ChildLine = Record<string, unknown> & { event: string };

/** How long a child may take to print its first event (Node start-up on a busy 2-core machine). */
const START_TIMEOUT_MS = 30_000;
/** How long a child has to exit after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 3_000;

export class BenchChild {
  readonly lines: ChildLine[] = [];
  stderr = '';
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly process: ChildProcess) {
    let partial = '';
    process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) {
        try {
          if (p.trim()) this.lines.push(JSON.parse(p) as ChildLine);
        } catch {
          this.stderr += `${p}\n`; // not a JSON line: kept for the error message
        }
      }
      this.wake();
    });
    process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      process.once('error', (e) => ((this.stderr += e.message), resolve({ code: null, signal: null }), this.wake()));
      process.once('exit', (code, signal) => (resolve({ code, signal }), this.wake()));
    });
  }

  /** Starts `node scripts/<name> …args`. */
  static spawn(name: string, args: string[]): BenchChild {
    return new BenchChild(spawn(globalThis.process.execPath, [benchScript(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first line with one of `events`; throws if the process exits or stays silent for too long first. */
  async waitFor(events: readonly string[], timeoutMs = START_TIMEOUT_MS): Promise<ChildLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => events.includes(l.event));
      if (found) return found;
      if (!this.running || Date.now() > deadline)
        throw new Error(`${this.describe()}: no ${events.join('/')} line (${this.running ? `none within ${timeoutMs} ms` : `exited ${this.process.exitCode ?? this.process.signalCode}`}); stderr: ${this.stderr.trim() || '(empty)'}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Rejects when the process exits: to race against work that needs it alive. */
  async failOnExit(): Promise<never> {
    const { code, signal } = await this.exited;
    throw new Error(`${this.describe()} exited (${code ?? signal}) while the benchmark needed it; stderr: ${this.stderr.trim() || '(empty)'}`);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. Never throws. */
  async stop(): Promise<void> {
    if (!this.running) return void (await this.exited);
    this.process.kill('SIGTERM');
    const t = setTimeout(() => this.running && this.process.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(t);
  }

  private describe(): string {
    return `${this.process.spawnargs.slice(1, 2).join(' ')} (pid ${this.process.pid})`;
  }
}
