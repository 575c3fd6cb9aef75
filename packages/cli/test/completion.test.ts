/**
 * `xenmem completion bash|zsh|fish`: scripts generated from the command definitions. The bash one is loaded into
 * a real bash and asked to complete, as the shell would at a Tab.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

async function script(shell: string): Promise<string> {
  const io = captureIo();
  expect(await runCli(['completion', shell], io)).toBe(0);
  expect(io.stderr).toBe('');
  return io.stdout;
}

const bash = spawnSync('bash', ['--version']).status === 0;

describe('xenmem completion', () => {
  it.skipIf(!bash)('bash completes commands, subcommands (and aliases), flags, parent flags and fixed values', async () => {
    const text = await script('bash');
    const complete = (...words: string[]) => {
      const line = words.map((w) => `'${w}'`).join(' ');
      const r = spawnSync('bash', ['-c', `${text}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _xenmem; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.trim().split('\n').filter(Boolean);
    };
    expect(complete('xenmem', '')).toEqual(['abi', 'compat', 'demo', 'bench', 'run', 'sim', 'xs', 'gen', 'dm', 'guest', 'completion', '-V', '--version', '-h', '--help'].filter((w) => !w.startsWith('-') || w.startsWith('--')));
    expect(complete('xenmem', 'sim', '')).toEqual(['serve', 'list', 'exec', 'create-domain', 'destroy-domain', 'inspect', '--help']);
    expect(complete('xenmem', 'xs', '')).toEqual(['read', 'write', 'ls', 'rm', 'watch', '--help']);
    expect(complete('xenmem', 'dm', '--socket', '/tmp/s', 'set-m')).toEqual(['set-mem-type']);
    expect(complete('xenmem', 'dm', 'set-mem-type', '--')).toEqual(['--domid', '--first-pfn', '--nr', '--mem-type', '--json', '--help', '--backend', '--socket', '--caller', '--iface']);
    expect(complete('xenmem', 'dm', 'set-state', '--e')).toEqual(['--enabled']);
    expect(complete('xenmem', 'dm', 'map-io-range', '--type', '')).toEqual(['port', 'memory', 'pci']);
    expect(complete('xenmem', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('xenmem', 'sim', 'inspect', '--f')).toEqual(['--from']);
  });

  it('zsh loads the bash completion through bashcompinit; fish gets one complete line per word', async () => {
    const zsh = await script('zsh');
    expect(zsh.startsWith('#compdef xenmem\n')).toBe(true);
    expect(zsh).toContain('autoload -U +X bashcompinit && bashcompinit\n');
    expect(zsh).toContain('complete -o default -F _xenmem xenmem\n');
    const fish = await script('fish');
    expect(fish).toContain(`complete -c xenmem -n 'contains -- (__xenmem_path) "sim"' -a 'list' -d 'the daemon'\\''s domains: vCPUs, size (max-gpfn), device model and ioreq servers'\n`);
    expect(fish).toContain(`complete -c xenmem -n 'contains -- (__xenmem_path) "dm map-io-range-to-ioreq-server" "dm map-io-range"' -l type -x -a 'port memory pci'`);
    expect(fish).toContain(`complete -c xenmem -n 'contains -- (__xenmem_path) "dm set-mem-type"' -l socket -r -F -d`);
  });

  it('an unknown shell is a usage error naming the choices', async () => {
    const io = captureIo();
    expect(await runCli(['completion', 'tcsh'], io)).toBe(2);
    expect(io.stderr).toBe("error: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n(run xenmem completion --help for usage)\n");
  });
});
