/**
 * The journal files beside a state file FILE: `FILE.journal-<generation>`, each a sequence of framed records
 * (record.ts) whose first is a header naming the format, the release and the generation. The snapshot in FILE
 * names the generation whose journal follows it; a compaction starts generation g+1 before its snapshot is
 * renamed into place, so restore reads the chain g, g+1, … as far as files exist.
 */
import { constants, promises as fsp, readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { InputError } from '@xenmem/abi-types';
import { decodeJson, encodeJson } from '@xenmem/sim-protocol';
import type { StateDelta } from './delta.js';
import { lstatOrNull } from '../lstat.js';
import { readStateFile, syncDirectory } from './file.js';
import { frameRecord, scanRecords } from './record.js';

export const JOURNAL_FORMAT = 'xenmem-sim-journal';
export const JOURNAL_VERSION = 1;

/** The journal file of generation `generation` of state file `path`. */
export function journalPath(path: string, generation: number): string {
  return `${path}.journal-${generation}`;
}

/** Generations of the journal files present beside `path`, ascending. */
export function journalGenerations(path: string): number[] {
  const prefix = `${basename(path)}.journal-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** Removes the journal files of every generation below `keepFrom` (regular files only). */
export function removeJournalsBelow(path: string, keepFrom: number): void {
  for (const g of journalGenerations(path)) {
    if (g >= keepFrom) continue;
    const p = journalPath(path, g);
    if (lstatOrNull(p)?.isFile()) unlinkSync(p);
  }
}

const header = (release: string, generation: number) => frameRecord(encodeJson({ format: JOURNAL_FORMAT, version: JOURNAL_VERSION, release, generation }));

/** What a chain of journals holds. */
export interface JournalChain {
  /** The records' contents, in order. */
  deltas: StateDelta[];
  /** Bytes of torn tail dropped at the end of the last journal (never applied). */
  tornBytes: number;
  /** The last generation found (the snapshot's when no journal file exists). */
  lastGeneration: number;
}

/**
 * Reads the journals of `path` from `generation` on, as far as they go. A torn tail is allowed only at the end
 * of the last one; a bad record followed by a good one, a torn journal followed by another, a header that
 * does not match, or a record that is no delta is corruption: InputError, and the files are left as they are.
 */
export function readJournalChain(path: string, generation: number, release: string): JournalChain {
  const deltas: StateDelta[] = [];
  let tornBytes = 0;
  let lastGeneration = generation;
  // A generation without a file had no record (its file is created with its first one).
  for (const g of journalGenerations(path).filter((n) => n >= generation)) {
    lastGeneration = g;
    const file = journalPath(path, g);
    const bytes = readStateFile(file);
    if (bytes === null) continue;
    const bad = (why: string): never => {
      throw new InputError('journal', file, why);
    };
    if (tornBytes > 0) bad(`follows a journal whose last ${tornBytes} bytes are torn`);
    const scan = scanRecords(bytes);
    if (scan.corruptAt !== null) bad(`has a damaged record at byte ${scan.corruptAt} followed by good ones (corruption, not a torn tail)`);
    tornBytes = scan.tornBytes;
    const [head, ...records] = scan.records;
    if (head === undefined) continue; // created and killed before its header was on disk: empty
    let h: Record<string, unknown> | null = null;
    try {
      h = decodeJson(head, file);
    } catch {
      // judged below
    }
    if (!h || h.format !== JOURNAL_FORMAT || h.version !== JOURNAL_VERSION) bad(`does not start with a ${JOURNAL_FORMAT} version ${JOURNAL_VERSION} header`);
    if (h!.release !== release || h!.generation !== g) bad(`is of release ${String(h!.release)} generation ${String(h!.generation)}, expected ${release} generation ${g}`);
    records.forEach((r, i) => {
      let d: Record<string, unknown> | null = null;
      try {
        d = decodeJson(r, file);
      } catch {
        // judged below
      }
      if (!d || !Array.isArray(d.gone) || !Array.isArray(d.domains) || !Array.isArray(d.p2m) || !Array.isArray(d.events)) bad(`record ${i + 1} is not a state change`);
      deltas.push(d as unknown as StateDelta);
    });
  }
  return { deltas, tornBytes, lastGeneration };
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates journal `generation` with its header, durably (file and directory fsynced), for appending. */
export async function createJournal(path: string, generation: number, release: string): Promise<fsp.FileHandle> {
  const file = journalPath(path, generation);
  const fh = await fsp.open(file, CREATE, 0o600);
  try {
    const h = header(release, generation);
    await fh.write(h, 0, h.length, 0);
    await fh.datasync();
    await syncDirectory(dirname(path));
    return fh;
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(file).catch(() => {});
    throw e;
  }
}

/** The header's size in bytes (where the first record of a new journal goes). */
export function headerBytes(release: string, generation: number): number {
  return header(release, generation).length;
}
