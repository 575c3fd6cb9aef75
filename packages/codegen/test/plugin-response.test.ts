import { describe, expect, it } from 'vitest';
import { checkPluginResponse, unsafeFileName } from '../plugin-response.js';
import { splitCommand } from '../plugin-run.js';

const files = (list: unknown[]) => JSON.stringify({ protocolVersion: 1, files: list });

describe('a plugin response is checked whole', () => {
  it('accepts files with safe names, in order', () => {
    expect(checkPluginResponse(files([{ name: 'a/b.ml', contents: 'x\n' }, { name: 'c', contents: '' }]))).toEqual({ kind: 'files', files: [{ name: 'a/b.ml', contents: 'x\n' }, { name: 'c', contents: '' }] });
  });

  it('passes on the plugin\'s own error', () => {
    expect(checkPluginResponse(JSON.stringify({ protocolVersion: 1, error: 'nope' }))).toEqual({ kind: 'error', message: 'nope' });
  });

  it.each([
    ['', 'its output is not JSON (Unexpected end of JSON input): it printed nothing'],
    ['[]', 'its output is not a JSON object'],
    [JSON.stringify({ files: [] }), 'protocolVersion: undefined is not 1, the version this xenmem speaks'],
    [JSON.stringify({ protocolVersion: 1, files: [], extra: 1 }), 'extra: is not a property of a response (protocolVersion, files or error)'],
    [JSON.stringify({ protocolVersion: 1, files: [], error: 'x' }), 'it has both files and error: give one'],
    [JSON.stringify({ protocolVersion: 1, error: 7 }), 'error: is not a string'],
    [JSON.stringify({ protocolVersion: 1 }), 'files: is missing or not an array'],
    [files(['a']), 'files[0]: is not an object'],
    [files([{ name: 'a', contents: 'x', mode: 0o755 }]), 'files[0].mode: is not a property of a file (name, contents)'],
    [files([{ contents: 'x' }]), 'files[0].name: is missing or not a string'],
    [files([{ name: 'a' }]), 'files[0].contents: is missing or not a string'],
    [files([{ name: 'a', contents: '' }, { name: 'a', contents: '' }]), 'files[1].name: "a" is listed twice'],
    [files([{ name: 'a\\b', contents: '' }]), 'files[0].name: "a\\\\b" contains a backslash (use "/" separators)'],
    [files([{ name: 'C:x', contents: '' }]), 'files[0].name: "C:x" is an absolute path (names are relative to --out)'],
    [files([{ name: 'a//b', contents: '' }]), 'files[0].name: "a//b" has an empty, "." or ".." segment (names must stay inside --out)'],
    [files([{ name: 'a/./b', contents: '' }]), 'files[0].name: "a/./b" has an empty, "." or ".." segment (names must stay inside --out)'],
  ])('%s is malformed', (stdout, message) => {
    expect(checkPluginResponse(stdout)).toEqual({ kind: 'malformed', message });
  });

  it('file names: safe, empty, NUL, absolute', () => {
    expect(unsafeFileName('x/y.txt')).toBeUndefined();
    expect(unsafeFileName('')).toBe('is empty');
    expect(unsafeFileName('a\0b')).toBe('contains a NUL character');
    expect(unsafeFileName('/etc/passwd')).toBe('is an absolute path (names are relative to --out)');
  });

  it('splits a plugin command at blanks, without a shell', () => {
    expect(splitCommand('  python3   plug.py --x "a b"  ')).toEqual(['python3', 'plug.py', '--x', '"a', 'b"']);
  });
});
