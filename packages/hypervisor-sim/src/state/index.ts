/**
 * Persistence of a Hypervisor's state across daemon restarts (`startDaemon({ statePath })`,
 * `xenmem sim serve --state FILE`; docs/reliability.md "Daemon state file").
 */
import type { Hypervisor } from '../hypervisor.js';
import { readStateFile, removeStaleTemps, writeStateFileAtomic } from './file.js';
import { decodeState, encodeState, restore, snapshot } from './snapshot.js';

export { checkStatePath, readStateFile, writeStateFileAtomic, removeStaleTemps } from './file.js';
export { snapshot, restore, encodeState, decodeState, checkInvariants, STATE_FORMAT, STATE_VERSION, type HypervisorState, type DomainState, type ServerState } from './snapshot.js';

/**
 * One hypervisor bound to one state file. `open` restores the file when it exists (else keeps the
 * hypervisor's current domains) and writes the state at once; `persist` writes the state when it differs
 * from what was last written, synchronously (temp file, fsync, rename, fsync of the directory).
 */
export class StateFile {
  private last: string | null = null;

  private constructor(
    /** Path of the state file (JSON, written atomically). */
    readonly path: string,
    /** The hypervisor whose state the file holds. */
    readonly hv: Hypervisor,
    /** Whether open() found and restored a file. */
    readonly restored: boolean,
  ) {}

  /** Opens (or creates) the state file at `path` for the hypervisor `hv`. */
  static async open(path: string, hv: Hypervisor): Promise<StateFile> {
    const bytes = readStateFile(path);
    if (bytes) await restore(hv, decodeState(bytes, path));
    removeStaleTemps(path);
    const f = new StateFile(path, hv, bytes !== null);
    f.persist();
    return f;
  }

  /** Writes the current state if it changed; returns whether it wrote. Throws when the write fails. */
  persist(): boolean {
    const bytes = encodeState(snapshot(this.hv));
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    if (text === this.last) return false;
    writeStateFileAtomic(this.path, bytes);
    this.last = text;
    return true;
  }
}
