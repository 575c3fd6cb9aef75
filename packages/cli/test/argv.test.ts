import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/argv.js';

describe('argv → command and options', () => {
  it.each([
    [['abi', 'types'], { command: 'abi types', options: { json: false } }],
    [['abi', 'types', '--iface', '0x00040600', '--json'], { command: 'abi types', options: { iface: '0x00040600', json: true } }],
    [['abi', 'types', '--json', '--iface=4.7'], { command: 'abi types', options: { iface: '4.7', json: true } }],
    [['abi', 'diff', '4.6', '4.7'], { command: 'abi diff', options: { from: '4.6', to: '4.7', json: false } }],
    [['abi', 'diff', '0x00040600', '0x00040700', '--json'], { command: 'abi diff', options: { from: '0x00040600', to: '0x00040700', json: true } }],
    [['abi', 'layout', 'set_mem_type'], { command: 'abi layout', options: { struct: 'set_mem_type', json: false } }],
    [['abi', 'layout', 'ioreq', '--xen', '4.9', '--json'], { command: 'abi layout', options: { struct: 'ioreq', xen: '4.9', json: true } }],
    [['abi', 'check'], { command: 'abi check', options: { json: false } }],
    [['abi', 'check', 'new.json', '--base', 'old.json', '--json'], { command: 'abi check', options: { base: 'old.json', next: 'new.json', json: true } }],
    [['compat', '--iface', '4.6'], { command: 'compat', options: { iface: '4.6', json: false } }],
    [['compat', '--iface', '4.6', '--xen', '4.22', '--json'], { command: 'compat', options: { iface: '4.6', xen: '4.22', json: true } }],
    [['demo'], { command: 'demo', options: { json: false } }],
    [['demo', '--json'], { command: 'demo', options: { json: true } }],
    [['run', 'examples/a.json'], { command: 'run', options: { scenario: 'examples/a.json', json: false } }],
    [['run', 'a.yaml', '--xen', '4.8', '--iface', '0x00040600', '--json'], { command: 'run', options: { scenario: 'a.yaml', xen: '4.8', iface: '0x00040600', json: true } }],
  ])('%j', (argv, expected) => {
    expect(parseArgv(argv)).toEqual(expected);
  });

  it.each([
    [[], 2, /Usage: xenmem/],
    [['abi'], 2, /Usage: xenmem abi/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [['abi', 'types', '--iface'], 2, /option '--iface <version>' argument missing/],
    [['abi', 'types', '--bogus'], 2, /unknown option '--bogus'/],
    [['abi', 'diff', '4.6'], 2, /missing required argument 'ifaceB'/],
    [['compat'], 2, /required option '--iface <version>' not specified/],
    [['abi', 'layout'], 2, /missing required argument 'struct'/],
    [['run'], 2, /missing required argument 'scenario'/],
  ])('%j is a usage error (exit %i)', (argv, exit, stderr) => {
    const r = parseArgv(argv);
    expect(r).toMatchObject({ exit });
    expect('stderr' in r && r.stderr).toMatch(stderr);
  });

  it('--help prints help with examples on stdout and exits 0', () => {
    const r = parseArgv(['--help']);
    expect(r).toMatchObject({ exit: 0, stderr: '' });
    expect('stdout' in r && r.stdout).toMatch(/Examples:\n  xenmem abi types --iface 0x00040600/);
  });
});
