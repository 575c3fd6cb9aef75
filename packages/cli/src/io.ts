/**
 * Where a command writes: data to stdout only, messages to stderr.
 * Commands receive an Io so tests can capture both streams.
 */
export interface Io {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** stderr is a terminal (progress may be shown). */
  readonly errIsTTY: boolean;
  /** The width of the terminal stdout writes to, in columns; absent when stdout is not a terminal (text is then wrapped at 80). */
  readonly columns?: number;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: process.stderr.isTTY === true,
  ...(process.stdout.isTTY && process.stdout.columns > 0 && { columns: process.stdout.columns }),
};

/** An Io that also keeps everything written, for tests. */
export interface CapturedIo extends Io {
  /** Everything written to standard output so far. */
  stdout: string;
  /** Everything written to standard error so far. */
  stderr: string;
}

/** An Io that records everything, for tests. */
export function captureIo(): CapturedIo {
  const io = {
    stdout: '',
    stderr: '',
    errIsTTY: false,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

/** Exit codes: 0 success, 1 failure (a Xen error, a violated rule), 2 usage error or unusable input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
