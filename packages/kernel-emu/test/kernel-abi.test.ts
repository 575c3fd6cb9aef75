/**
 * native/kernel-abi.h, compiled with the library's own flags (scripts/build-so.mjs): the interface version is the
 * newest the generated headers describe, so the hypercall numbers are the current ones. At the default version 0
 * __HYPERVISOR_sched_op would be sched_op_compat; the handler tests could not see that (the emulation and the test
 * program would agree on the wrong number), while libxenctrl, built at the latest version, would not.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { HYPERCALLS, LATEST_INTERFACE_VERSION } from '@xenmem/abi-types';
import { tempDir } from './sim.js';

const work = tempDir('kernel-abi');
afterAll(() => work.remove());

it('kernel-abi.h gives the latest interface version and its hypercall numbers', async () => {
  const script = new URL('../scripts/build-so.mjs', import.meta.url).href;
  const { compileFlags } = (await import(script)) as { compileFlags: () => string[] };
  const src = join(work.dir, 'probe.c');
  const exe = join(work.dir, 'probe');
  writeFileSync(
    src,
    [
      '#include <stdio.h>',
      '#include "kernel-abi.h"',
      'int main(void)',
      '{',
      '    printf("%lu %lu %lu %lu %lu %lu\\n", (unsigned long)__XEN_INTERFACE_VERSION__, (unsigned long)__HYPERVISOR_sched_op,',
      '           (unsigned long)__HYPERVISOR_memory_op, (unsigned long)__HYPERVISOR_multicall, (unsigned long)__HYPERVISOR_xen_version,',
      '           (unsigned long)__HYPERVISOR_hvm_op);',
      '    return 0;',
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('gcc', [...compileFlags(), src, '-o', exe], { stdio: 'inherit' });
  const hypercall = (name: string) => HYPERCALLS.find((h) => h.name === name)!.value;
  const want = [LATEST_INTERFACE_VERSION, hypercall('sched_op'), hypercall('memory_op'), hypercall('multicall'), hypercall('xen_version'), hypercall('hvm_op')];
  expect(execFileSync(exe, { encoding: 'utf8' })).toBe(`${want.join(' ')}\n`);
});
