/**
 * `xenmem sim exec --socket S [--caller N] [--] CMD ARGS…`: runs a program against the simulator daemon as a
 * Xen host: @xenmem/kernel-emu's library in LD_PRELOAD (before any value already there) makes /dev/xen/privcmd
 * and /dev/xen/evtchn talk to the daemon at XENMEM_SOCKET as domain XENMEM_CALLER, so Xen's own libraries and
 * device models (QEMU) run unmodified. XENSTORED_PATH is set when the daemon's welcome names a xenstore socket.
 * The exit status passes through (a death by signal n is 128 + n); SIGINT, SIGTERM and SIGHUP are forwarded.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { constants } from 'node:os';
import { FrameDecoder, FrameKind, WIRE_PROTOCOL_VERSION, decodeJson, encodeFrame, encodeHello } from '@xenmem/sim-protocol';
import type { CommandOptions } from '../parsed.js';
import { EXIT_FAILURE, type Io } from '../io.js';

export type SimExecOptions = CommandOptions<'sim exec'>;

/** The signals forwarded to the program (the others keep their default action on xenmem itself). */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What `sim exec` needs from where it runs; tests replace it. */
export interface ExecEnv {
  /** The library to preload, or why there is none (@xenmem/kernel-emu's preloadPath()). */
  preloadPath(): Promise<{ path: string } | { error: string }>;
  /** The daemon's welcome JSON (hello as `caller`), or an error message when nothing answers at `socket`. */
  welcome(socket: string, caller: number): Promise<Record<string, unknown> | { error: string }>;
  /** The environment the program starts from. */
  env: NodeJS.ProcessEnv;
  /** Registers a handler for a signal to xenmem; returns how to remove it. */
  onSignal(signal: NodeJS.Signals, handler: () => void): () => void;
}

/** Says hello to the daemon and reads its welcome (the release, and the xenstore socket when it serves one). */
export function readWelcome(socket: string, caller: number): Promise<Record<string, unknown> | { error: string }> {
  return new Promise((resolve) => {
    const s = connect(socket);
    const decoder = new FrameDecoder();
    const done = (r: Record<string, unknown> | { error: string }) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(5000, () => done({ error: `the daemon at ${socket} did not answer within 5 s` }));
    s.on('error', (e: NodeJS.ErrnoException) => done({ error: `no simulator daemon at ${socket} (${e.code ?? e.message})` }));
    s.on('connect', () => s.write(encodeFrame(FrameKind.hello, 1, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller }))));
    s.on('data', (chunk: Buffer) => {
      try {
        const [frame] = decoder.push(new Uint8Array(chunk));
        if (!frame) return;
        const body = decodeJson(frame.payload, 'welcome');
        if (frame.kind === FrameKind.welcome && body) return done(body);
        done({ error: `the daemon at ${socket} refused the hello: ${String(body?.message ?? 'no welcome')}` });
      } catch (e) {
        done({ error: `${socket} does not speak the daemon protocol: ${(e as Error).message}` });
      }
    });
  });
}

export const defaultExecEnv: ExecEnv = {
  preloadPath: async () => (await import('@xenmem/kernel-emu')).preloadPath(),
  welcome: readWelcome,
  env: process.env,
  onSignal(signal, handler) {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
};

/** The program's environment: the daemon's socket, the caller, the preload first in LD_PRELOAD, the xenstore. */
export function execEnvironment(base: NodeJS.ProcessEnv, socket: string, caller: number, preload: string, welcome: Record<string, unknown>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, XENMEM_SOCKET: socket, XENMEM_CALLER: String(caller) };
  env.LD_PRELOAD = base.LD_PRELOAD ? `${preload} ${base.LD_PRELOAD}` : preload;
  if (typeof welcome.xenstore === 'string') env.XENSTORED_PATH = welcome.xenstore;
  else delete env.XENSTORED_PATH;
  return env;
}

export async function runSimExec(o: SimExecOptions, io: Io, x: ExecEnv = defaultExecEnv): Promise<number> {
  const preload = await x.preloadPath();
  if ('error' in preload) {
    io.err(`xenmem sim exec: ${preload.error}\n`);
    return EXIT_FAILURE;
  }
  const welcome = await x.welcome(o.socket, o.caller);
  if ('error' in welcome) {
    io.err(`xenmem sim exec: ${welcome.error}\n  start one with: xenmem sim serve --socket ${o.socket}\n`);
    return EXIT_FAILURE;
  }
  const [command, ...args] = o.command;
  const child = spawn(command!, args, { env: execEnvironment(x.env, o.socket, o.caller, preload.path, welcome), stdio: 'inherit' });
  const removers = FORWARDED_SIGNALS.map((signal) => x.onSignal(signal, () => child.kill(signal)));
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      for (const remove of removers) remove();
      resolve(code);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      io.err(`xenmem sim exec: cannot run ${command}: ${e.code ?? e.message}\n`);
      finish(e.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => finish(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? EXIT_FAILURE)));
  });
}
