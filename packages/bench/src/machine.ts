/** The machine a benchmark ran on: CPUs, Node.js version and the Rust compiler that built the addon. */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** What `xenmem bench` records about the machine: figures are comparable only on the same one. */
export interface MachineInfo {
  /** Logical CPUs available to the process. */
  cpus: number;
  /** process.version, e.g. "v20.20.2". */
  node: string;
  /** `rustc --version`, or null when rustc is not on PATH. */
  rustc: string | null;
}

export function machineInfo(): MachineInfo {
  let rustc: string | null = null;
  try {
    const r = spawnSync('rustc', ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0) rustc = r.stdout.trim() || null;
  } catch {
    // no rustc: null
  }
  return { cpus: availableParallelism(), node: process.version, rustc };
}
