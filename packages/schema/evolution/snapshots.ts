/**
 * Released snapshots: `schema/released/xen-abi.<formatVersion>.<yyyy-mm-dd>.json`, each an exact copy of
 * schema/xen-abi.json the day it was released, and the base `xenmem abi check` compares with.
 *
 * Snapshots never change. `SHA256SUMS` beside them lists each one's sha256 in `sha256sum` format (so
 * `sha256sum -c SHA256SUMS` checks them from a shell); checkSnapshots compares every file with it and, in a git
 * checkout, with the version of the file that was first committed, which also catches an edit that updated the
 * manifest line too.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../paths.js';
import { loadSchemaFile, validateSchema, type LoadResult, type SchemaProblem } from '../validate.js';
import type { EvolutionFinding } from './rules.js';

/** schema/released/ of this checkout, or the copy shipped in the package (like JSON_SCHEMA_PATH; see ../paths.ts). */
export const RELEASED_DIR = join(DATA_DIR, 'released') + '/';
/** The manifest file of the released snapshots (sha256sum format). */
export const SNAPSHOT_MANIFEST = 'SHA256SUMS';

const SNAPSHOT_NAME = /^xen-abi\.(\d+)\.(\d{4}-\d{2}-\d{2})\.json$/;

/** A released schema snapshot: its file, format version and date. */
export interface ReleasedSnapshot {
  /** File name inside the folder, e.g. `xen-abi.1.2026-11-25.json`. */
  file: string;
  /** Absolute path of the file. */
  path: string;
  /** The schema's formatVersion, from the name. */
  formatVersion: number;
  /** Release date, YYYY-MM-DD, from the name. */
  date: string;
}

/** A released snapshot with its bytes and parsed schema. */
export interface LoadedSnapshot extends ReleasedSnapshot {
  /** The file read and validated against the schema's JSON Schema. */
  loaded: LoadResult;
}

/**
 * A file's bytes as a plain Uint8Array. (@types/node 20.9's Buffer does not type-check as a Uint8Array under
 * TypeScript 5.9, so Buffers do not leave this function.)
 */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The file name of a snapshot: `xen-abi.<formatVersion>.<yyyy-mm-dd>.json`. */
export function snapshotFileName(formatVersion: number, date: string): string {
  return `xen-abi.${formatVersion}.${date}.json`;
}

/** The parts of a snapshot name, or undefined when the name does not follow the scheme (or the date is not a day). */
export function parseSnapshotFileName(file: string):
  | {
      /** The schema's formatVersion, e.g. 1 for `xen-abi.1.2026-11-25.json`. */
      formatVersion: number;
      /** Release date, YYYY-MM-DD (a real calendar date). */
      date: string;
    }
  | undefined {
  const m = SNAPSHOT_NAME.exec(file);
  if (!m) return undefined;
  const date = m[2]!;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return undefined;
  return { formatVersion: Number(m[1]), date };
}

/** Snapshots in `dir`, oldest first (by date, then format version). A missing folder has none. */
export function listSnapshots(dir: string = RELEASED_DIR): ReleasedSnapshot[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((file) => {
      const parts = parseSnapshotFileName(file);
      return parts ? [{ file, path: join(dir, file), ...parts }] : [];
    })
    .sort((a, b) => a.date.localeCompare(b.date) || a.formatVersion - b.formatVersion);
}

/** Every snapshot, oldest first, read and validated. */
export function loadReleasedSnapshots(dir: string = RELEASED_DIR): LoadedSnapshot[] {
  return listSnapshots(dir).map((s) => ({ ...s, loaded: loadSchemaFile(s.path) }));
}

/** The newest snapshot: the base of `xenmem abi check`. */
export function newestSnapshot(dir: string = RELEASED_DIR): ReleasedSnapshot | undefined {
  return listSnapshots(dir).at(-1);
}

/** The hex sha256 of `bytes`. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A `sha256sum` line: hash, two spaces, file name. */
export function manifestLine(file: string, bytes: Uint8Array | string): string {
  return `${sha256(bytes)}  ${file}\n`;
}

interface Manifest {
  entries: Map<string, string>;
  findings: EvolutionFinding[];
}

function readManifest(dir: string): Manifest {
  const entries = new Map<string, string>();
  const findings: EvolutionFinding[] = [];
  const path = join(dir, SNAPSHOT_MANIFEST);
  if (!existsSync(path)) return { entries, findings };
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      const subject = `${SNAPSHOT_MANIFEST} line ${i + 1}`;
      if (!m) {
        findings.push({ rule: 'snapshot-edited', severity: 'violation', subject, message: `${SNAPSHOT_MANIFEST} line ${i + 1} is not "<sha256>  <file>". The manifest is part of the release record: restore the line from git.` });
        return;
      }
      const [, hash, file] = m as unknown as [string, string, string];
      const earlier = entries.get(file);
      if (earlier !== undefined && earlier !== hash) {
        findings.push({ rule: 'snapshot-edited', severity: 'violation', subject, message: `${file} is listed twice in ${SNAPSHOT_MANIFEST} with different hashes. Keep the line written when it was released and delete the other.` });
        return;
      }
      entries.set(file, hash);
    });
  return { entries, findings };
}

type GitAnswer = { state: 'untracked' } | { state: 'committed'; commit: string; bytes: Uint8Array } | { state: 'unavailable' };

/** The file as first committed, found with `git log --diff-filter=A`. Never throws: no git means no answer. */
function firstCommitted(dir: string, file: string): GitAnswer {
  try {
    const opts = { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 };
    const commits = execFileSync('git', ['log', '--diff-filter=A', '--format=%H', '--', file], { ...opts, encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    const commit = commits.at(-1);
    if (commit === undefined) return { state: 'untracked' };
    return { state: 'committed', commit, bytes: asBytes(execFileSync('git', ['show', `${commit}:./${file}`], opts)) };
  } catch {
    return { state: 'unavailable' };
  }
}

/** The result of checking the released snapshots against their manifest and history. */
export interface SnapshotCheck {
  /** No finding. */
  ok: boolean;
  /** snapshot-edited, snapshot-removed, snapshot-unlisted and snapshot-misnamed findings. */
  findings: EvolutionFinding[];
  /** Whether git history was compared: 'off' when not asked, 'unavailable' outside a git checkout. */
  git: 'checked' | 'unavailable' | 'off';
}

/** Checks that every snapshot is listed, unchanged and well named. Findings are all violations. */
export function checkSnapshots(dir: string = RELEASED_DIR, options: { git?: boolean } = {}): SnapshotCheck {
  const useGit = options.git ?? true;
  const manifest = readManifest(dir);
  const findings: EvolutionFinding[] = [...manifest.findings];
  const violation = (rule: EvolutionFinding['rule'], file: string, message: string) => findings.push({ rule, severity: 'violation', subject: `snapshot ${file}`, message });
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  let git: SnapshotCheck['git'] = useGit ? 'checked' : 'off';

  for (const file of files) {
    const parts = parseSnapshotFileName(file);
    if (!parts) {
      violation('snapshot-misnamed', file, `${file} does not follow the naming scheme xen-abi.<formatVersion>.<yyyy-mm-dd>.json, so it is never used as a base. Rename it (e.g. ${snapshotFileName(1, today())}) or move it out of the folder.`);
      continue;
    }
    const bytes = asBytes(readFileSync(join(dir, file)));
    let formatVersion: unknown;
    try {
      formatVersion = (JSON.parse(new TextDecoder().decode(bytes)) as { formatVersion?: unknown }).formatVersion;
    } catch {
      formatVersion = undefined; // not JSON any more: the hash check reports it
    }
    if (formatVersion !== undefined && formatVersion !== parts.formatVersion) {
      violation('snapshot-misnamed', file, `${file} holds a schema of formatVersion ${String(formatVersion)} but its name says ${parts.formatVersion}. Name it ${snapshotFileName(Number(formatVersion), parts.date)}.`);
    }
    const listed = manifest.entries.get(file);
    if (listed === undefined) {
      violation('snapshot-unlisted', file, `${file} has no line in ${SNAPSHOT_MANIFEST}, so nothing can tell if it changes. Add its line: (cd schema/released && sha256sum ${file} >> ${SNAPSHOT_MANIFEST}).`);
    } else if (listed !== sha256(bytes)) {
      violation('snapshot-edited', file, `${file} does not match its sha256 in ${SNAPSHOT_MANIFEST}. Released snapshots never change: restore the released file from git. To correct the schema, edit schema/xen-abi.json; the next release takes a new snapshot.`);
    }
    if (useGit) {
      const first = firstCommitted(dir, file);
      if (first.state === 'unavailable') git = 'unavailable';
      else if (first.state === 'committed' && sha256(first.bytes) !== sha256(bytes)) {
        violation('snapshot-edited', file, `${file} differs from the version first committed in ${first.commit.slice(0, 12)}. Released snapshots never change: restore it with git checkout ${first.commit.slice(0, 12)} -- schema/released/${file} (and its ${SNAPSHOT_MANIFEST} line).`);
      }
    }
  }
  for (const file of manifest.entries.keys()) {
    if (!files.includes(file)) {
      findings.push({ rule: 'snapshot-removed', severity: 'violation', subject: `snapshot ${file}`, message: `${file} is listed in ${SNAPSHOT_MANIFEST} but missing. Released snapshots are never deleted: restore it from git.` });
    }
  }
  return { ok: findings.length === 0, findings, git };
}

/** The result of {@link writeSnapshot}: the new snapshot, or why none was written. */
export type SnapshotWriteResult =
  | {
      /** The snapshot was written. */
      ok: true;
      /** The new file and its name's parts. */
      snapshot: ReleasedSnapshot;
    }
  | {
      /** Nothing was written. */
      ok: false;
      /** Why: the schema file is unreadable or invalid, or a snapshot of that name exists. */
      problems: SchemaProblem[];
    };

/**
 * Releases the schema file: copies it byte for byte to `dir` under today's (or the given) date and appends its
 * manifest line. Refuses an invalid schema and never overwrites a snapshot.
 */
export function writeSnapshot(schemaPath: string, dir: string = RELEASED_DIR, date: string = today()): SnapshotWriteResult {
  let bytes: Uint8Array;
  try {
    bytes = asBytes(readFileSync(schemaPath));
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `cannot read ${schemaPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `${schemaPath} is not JSON: ${(err as Error).message}` }] };
  }
  const valid = validateSchema(doc);
  if (!valid.ok) return { ok: false, problems: valid.problems };
  const file = snapshotFileName(valid.schema.formatVersion, date);
  if (!parseSnapshotFileName(file)) return { ok: false, problems: [{ path: '', message: `"${date}" is not a date (YYYY-MM-DD)` }] };
  const path = join(dir, file);
  if (existsSync(path)) return { ok: false, problems: [{ path: '', message: `${path} exists already; snapshots never change` }] };
  writeFileSync(path, bytes, { flag: 'wx' });
  appendFileSync(join(dir, SNAPSHOT_MANIFEST), manifestLine(file, bytes));
  return { ok: true, snapshot: { file, path, formatVersion: valid.schema.formatVersion, date } };
}
