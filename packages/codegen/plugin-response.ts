/**
 * A plugin's answer, checked whole before anything is written: JSON, the protocol version, and every file name a
 * relative path that stays inside the output directory.
 */
import { PLUGIN_PROTOCOL_VERSION, type PluginFile } from './plugin-protocol.js';

/** The checked answer: the files to write, the plugin's own error, or why the answer is unusable. */
export type CheckedResponse =
  | {
      /** The answer is well formed and lists files. */
      kind: 'files';
      /** The files, in the plugin's order. */
      files: PluginFile[];
    }
  | {
      /** The plugin answered with an error of its own. */
      kind: 'error';
      /** The plugin's message. */
      message: string;
    }
  | {
      /** The answer breaks the protocol. */
      kind: 'malformed';
      /** What is wrong, naming the JSON path. */
      message: string;
    };

/** Why `name` cannot be written under the output directory, or undefined when it can. */
export function unsafeFileName(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('\\')) return 'contains a backslash (use "/" separators)';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path (names are relative to --out)';
  if (name.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) return 'has an empty, "." or ".." segment (names must stay inside --out)';
  return undefined;
}

/** Checks a plugin's stdout against the protocol (plugin-protocol.schema.json's PluginResponse). */
export function checkPluginResponse(stdout: string): CheckedResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    return { kind: 'malformed', message: `its output is not JSON (${(err as Error).message})${stdout.trim() === '' ? ': it printed nothing' : ''}` };
  }
  const bad = (message: string): CheckedResponse => ({ kind: 'malformed', message });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('its output is not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o['protocolVersion'] !== PLUGIN_PROTOCOL_VERSION) return bad(`protocolVersion: ${JSON.stringify(o['protocolVersion'])} is not ${PLUGIN_PROTOCOL_VERSION}, the version this xenmem speaks`);
  const extra = Object.keys(o).filter((k) => !['protocolVersion', 'files', 'error'].includes(k));
  if (extra.length) return bad(`${extra[0]}: is not a property of a response (protocolVersion, files or error)`);
  if ('error' in o && 'files' in o) return bad('it has both files and error: give one');
  if ('error' in o) return typeof o['error'] === 'string' ? { kind: 'error', message: o['error'] } : bad('error: is not a string');
  if (!Array.isArray(o['files'])) return bad('files: is missing or not an array');
  const files: PluginFile[] = [];
  const seen = new Set<string>();
  for (const [i, f] of (o['files'] as unknown[]).entries()) {
    const at = `files[${i}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return bad(`${at}: is not an object`);
    const file = f as Record<string, unknown>;
    const unknownKey = Object.keys(file).find((k) => k !== 'name' && k !== 'contents');
    if (unknownKey !== undefined) return bad(`${at}.${unknownKey}: is not a property of a file (name, contents)`);
    if (typeof file['name'] !== 'string') return bad(`${at}.name: is missing or not a string`);
    if (typeof file['contents'] !== 'string') return bad(`${at}.contents: is missing or not a string`);
    const why = unsafeFileName(file['name']);
    if (why !== undefined) return bad(`${at}.name: ${JSON.stringify(file['name'])} ${why}`);
    if (seen.has(file['name'])) return bad(`${at}.name: ${JSON.stringify(file['name'])} is listed twice`);
    seen.add(file['name']);
    files.push({ name: file['name'], contents: file['contents'] });
  }
  return { kind: 'files', files };
}
