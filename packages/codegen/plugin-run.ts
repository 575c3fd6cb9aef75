/**
 * Running a plugin: the command is split at blanks and started without a shell (no quoting, globbing or
 * variables), the request is written to its stdin, and its stdout is read until it exits or the timeout kills it.
 */
import { spawn } from 'node:child_process';
import { checkPluginResponse, type CheckedResponse } from './plugin-response.js';
import type { PluginRequest } from './plugin-protocol.js';

/** How a plugin run ended before its answer could be read. */
export type PluginFailure =
  | {
      /** The command could not be started (not found, not executable): the user's input is the problem. */
      kind: 'not-started';
      /** The system's reason. */
      message: string;
    }
  | {
      /** The plugin exited with a non-zero status or was killed by a signal. */
      kind: 'crashed';
      /** The status or signal, and the end of its stderr. */
      message: string;
    }
  | {
      /** The plugin ran past the timeout and was killed. */
      kind: 'timeout';
      /** The timeout. */
      message: string;
    };

/** The result of a plugin run: its checked answer, or how it failed. */
export type PluginOutcome =
  | {
      /** The plugin exited with status 0: its stdout was read. */
      kind: 'answered';
      /** Its stdout, checked against the protocol. */
      response: CheckedResponse;
    }
  | PluginFailure;

/** The command line split into argv: at runs of blanks; no shell, so no quoting. */
export function splitCommand(command: string): string[] {
  return command.trim().split(/\s+/).filter((w) => w !== '');
}

/** The last lines of a plugin's stderr, for a message. */
function tail(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').slice(-5).join('\n  ');
  return lines === '' ? '' : `; its stderr ends:\n  ${lines}`;
}

/** Runs `command` with `request` on stdin; kills it (SIGKILL) after `timeoutMs`. Never throws for the plugin's faults. */
export function runPlugin(command: string, request: PluginRequest, timeoutMs: number, cwd: string = process.cwd()): Promise<PluginOutcome> {
  const [file, ...args] = splitCommand(command);
  if (file === undefined) return Promise.resolve({ kind: 'not-started', message: 'the plugin command is empty' });
  return new Promise((resolveOutcome) => {
    const child = spawn(file, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const settle = (o: PluginOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolveOutcome(o);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    // setEncoding decodes across chunk boundaries (a character split between two reads stays whole).
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', (err: NodeJS.ErrnoException) => settle({ kind: 'not-started', message: `cannot run ${JSON.stringify(file)}: ${err.code === 'ENOENT' ? 'no such command' : err.message}` }));
    // A plugin that exits without reading its stdin closes the pipe: that is its business, not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(request));
    child.on('close', (status, signal) => {
      if (timedOut) return settle({ kind: 'timeout', message: `it did not answer within ${timeoutMs / 1000} s and was killed (raise --plugin-timeout if it needs longer)${tail(stderr)}` });
      if (signal !== null) return settle({ kind: 'crashed', message: `it was killed by ${signal}${tail(stderr)}` });
      if (status !== 0) return settle({ kind: 'crashed', message: `it exited with status ${status}${tail(stderr)}` });
      settle({ kind: 'answered', response: checkPluginResponse(stdout) });
    });
  });
}
