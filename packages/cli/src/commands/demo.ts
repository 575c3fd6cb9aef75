/**
 * `xenmem demo [--json]`: the story of the Xen-devel thread that renamed p2m_mmio_write_dm, told from
 * the ABI data alone: what recompiling a 4.6 client at 4.7 changes, and what 4.6, 4.7, 4.8 and 4.22
 * hypervisors do with the numbers that client sends.
 */
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';
import { diffInterfaceVersions } from './abi-diff.js';
import { compatReport, type CompatValue } from './compat.js';
import { IFACE_4_6, IFACE_4_7 } from '@xenmem/abi-types';

export interface DemoOptions {
  json: boolean;
}

const STORY_RELEASES = ['4.6', '4.7', '4.8', '4.22'] as const;

function verdict(v: CompatValue): string {
  if (!v.accepted) return `-${v.error} (${v.why})`;
  return `accepted as p2m_${v.p2m}${v.requires?.length ? `, only with ${v.requires.join(' and ')}` : ', no questions asked'}`;
}

export function runDemo(opts: DemoOptions, io: Io): number {
  const rename = diffInterfaceVersions(IFACE_4_6, IFACE_4_7).filter((c) => c.kind === 'hvmmem');
  const runs = STORY_RELEASES.map((r) => compatReport('4.6', r));
  if (opts.json) {
    printJson(io, { recompile: { from: '0x00040600', to: '0x00040700', changes: rename }, client: '0x00040600', hypervisors: runs });
    return EXIT_OK;
  }
  const say = (line = '') => io.out(line + '\n');
  say('In April 2016 Xen withdrew HVMMEM_mmio_write_dm. Here is what that meant for a device model built against Xen 4.6.');
  say();
  say('1. Recompiling the device model at interface version 0x00040700 (Xen 4.7 headers):');
  for (const c of rename) say(`   value ${c.value}: ${c.before ?? '(none)'} becomes ${c.after ?? '(nothing)'}: the number is burnt, old source stops compiling.`);
  say();
  say('2. The old binary (interface 0x00040600) keeps sending the numbers it was built with:');
  for (const value of [3, 4]) {
    const name = runs[0]!.values.find((v) => v.value === value)!.name;
    say(`   ${value} (${name}):`);
    for (const run of runs) say(`     Xen ${run.xen.padEnd(4)} via ${run.op.padEnd(21)} ${verdict(run.values.find((v) => v.value === value)!)}`);
  }
  say();
  say('3. So value 3 kept one meaning forever, and the new meaning took a fresh number, 4 (ioreq_server).');
  say('   From 4.9 only one ioreq server may claim it, on HAP guests, and only ram_rw pages may take it.');
  say();
  say('See: xenmem abi diff 4.6 4.7 · xenmem compat --iface 4.6 --xen 4.22 · xenmem abi types --iface 0x00040600');
  return EXIT_OK;
}
