/**
 * `xenmem demo [--json]`: the story of the Xen-devel thread that withdrew HVMMEM_mmio_write_dm, run on the
 * embedded simulator. A device model built at interface version 0x00040600 meets 4.6, 4.7, 4.8 and 4.22
 * hypervisors; at 4.22 it then does what 4.9 made necessary: create a server, claim the type, and see
 * where the guest's writes go. One line per step: what was asked, what Xen said, why.
 */
import {
  decodeDmOp,
  decodeHvmOpArg,
  encodeDmOp,
  encodeHvmOpArg,
  ERRNO,
  errnoName,
  hvmmemName,
  hvmmemVerdict,
  HVMOP,
  IFACE_4_6,
  IFACE_4_7,
  RELEASES,
  type ReleaseName,
} from '@xenmem/abi-types';
import { Hypervisor } from '@xenmem/hypervisor-sim';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';
import { diffInterfaceVersions } from './abi-diff.js';

export type DemoOptions = CommandOptions<'demo'>;

export interface DemoStep {
  xen: ReleaseName;
  asked: string;
  said: string;
  why: string;
}

const CLIENT_IFACE = IFACE_4_6;
const DOMID = 1;
const FIRST_PFN = 0x100n;
const NR = 16;
const HVMOP_SET_MEM_TYPE = HVMOP.set_mem_type.value;
const HVMOP_GET_MEM_TYPE = HVMOP.get_mem_type.value;

const said = (rc: number, ok: string) => (rc === 0 ? ok : `-${errnoName(-rc) ?? rc}`);

/** One hypervisor release meeting the 4.6-built device model. */
class Story {
  readonly steps: DemoStep[] = [];
  private constructor(
    readonly hv: Hypervisor,
    readonly xen: ReleaseName,
  ) {}

  static async start(xen: ReleaseName): Promise<Story> {
    const hv = new Hypervisor({ release: xen });
    await hv.createDomain({ domid: DOMID, maxGpfn: 0xfffff });
    return new Story(hv, xen);
  }

  private get dmops(): boolean {
    return RELEASES.find((r) => r.name === this.xen)!.toolsOps === 'dm_op';
  }

  step(asked: string, said: string, why: string): void {
    this.steps.push({ xen: this.xen, asked, said, why });
  }

  async setMemType(value: number, firstPfn = FIRST_PFN): Promise<number> {
    const name = hvmmemName(value, CLIENT_IFACE) ?? String(value);
    const op = this.dmops ? 'XEN_DMOP_set_mem_type' : 'HVMOP_set_mem_type';
    const r = this.dmops
      ? await this.hv.dmOp(0, DOMID, [encodeDmOp('set_mem_type', { nr: NR, mem_type: value, first_pfn: firstPfn })])
      : await this.hv.hvmOp(0, HVMOP_SET_MEM_TYPE, encodeHvmOpArg('set_mem_type', { domid: DOMID, hvmmem_type: value, nr: NR, first_pfn: firstPfn }));
    const verdict = hvmmemVerdict(value, this.xen);
    let why = verdict.why;
    if (verdict.accepted && r.rc !== 0) why = verdict.requires.find((q) => -ERRNO[q.error].value === r.rc)?.id === 'claim' ? 'no ioreq server has claimed the type' : why;
    this.step(`${op} ${NR} pages at 0x${firstPfn.toString(16)} to ${name} (${value})`, said(r.rc, `ok, ${r.progress} pages`), why);
    return r.rc;
  }

  async getMemType(pfn: bigint): Promise<void> {
    const buf = encodeHvmOpArg('get_mem_type', { domid: DOMID, pfn });
    const r = await this.hv.hvmOp(0, HVMOP_GET_MEM_TYPE, buf);
    const value = decodeHvmOpArg('get_mem_type', buf).mem_type as number;
    this.step(`HVMOP_get_mem_type at 0x${pfn.toString(16)}`, said(r.rc, `${hvmmemName(value, CLIENT_IFACE)} (${value})`), 'what the p2m type reads as, decoded at the client\'s interface version');
  }

  async dm(name: Parameters<typeof encodeDmOp>[0], payload: Record<string, unknown>, asked: string, why: string): Promise<Record<string, unknown>> {
    const buf = encodeDmOp(name, payload as never);
    const r = await this.hv.dmOp(0, DOMID, [buf]);
    const out = decodeDmOp(buf).payload ?? {};
    this.step(asked, said(r.rc, name === 'create_ioreq_server' ? `id ${out.id}` : 'ok'), why);
    return out;
  }

  async guest(kind: 'read' | 'write', gpa: bigint, asked: string): Promise<void> {
    const r = await this.hv.guestAccess({ domid: DOMID, vcpu: 0, kind, addr: gpa, size: 4, ...(kind === 'write' && { value: 0xdeadbeefn }) });
    const to = r.ioreqs.map((q) => `ioreq to server ${q.server} (${q.type} ${q.dir})`).join(', ');
    const why = { ioreq: 'writes to p2m_ioreq_server pages go to the server that claimed the type', ram: 'reads are not trapped: Xen reads the page itself', retry: 'no server owns the type any more, so Xen retries the instruction', discarded: '', null: '', crash: '' }[r.outcome];
    this.step(asked, r.outcome === 'ioreq' ? to : r.outcome, why);
  }
}

export async function demoSteps(): Promise<DemoStep[]> {
  const steps: DemoStep[] = [];
  for (const xen of ['4.6', '4.7', '4.8'] as const) {
    const s = await Story.start(xen);
    if ((await s.setMemType(3)) === 0) await s.getMemType(FIRST_PFN + 5n);
    await s.setMemType(4, 0x200n);
    steps.push(...s.steps);
  }
  const s = await Story.start('4.22');
  await s.setMemType(3);
  await s.setMemType(4);
  const server = await s.dm('create_ioreq_server', { handle_bufioreq: 2 }, 'XEN_DMOP_create_ioreq_server (atomic buffering)', 'a device model registers itself');
  const id = server.id as number;
  await s.dm('map_mem_type_to_ioreq_server', { id, type: 4, flags: 2 }, `XEN_DMOP_map_mem_type_to_ioreq_server: server ${id} claims ioreq_server for writes`, 'from 4.9 one server owns the type');
  await s.dm('set_ioreq_server_state', { id, enabled: 1 }, `XEN_DMOP_set_ioreq_server_state: enable server ${id}`, 'only enabled servers receive requests');
  await s.setMemType(4);
  await s.getMemType(FIRST_PFN + 5n);
  await s.guest('write', 0x100010n, 'the guest writes 0xdeadbeef at 0x100010');
  await s.guest('read', 0x100010n, 'the guest reads 0x100010');
  const second = await s.dm('create_ioreq_server', { handle_bufioreq: 0 }, 'a second device model creates a server', 'servers are many, owners of the type are one');
  await s.dm('map_mem_type_to_ioreq_server', { id: second.id, type: 4, flags: 2 }, `server ${second.id} tries to claim ioreq_server too`, 'only one server may claim the type (4.9+)');
  await s.dm('destroy_ioreq_server', { id }, `XEN_DMOP_destroy_ioreq_server ${id} without releasing the claim first`, 'destroy drops the claim but leaves the pages typed ioreq_server');
  await s.guest('write', 0x100010n, 'the guest writes 0x100010 again');
  steps.push(...s.steps);
  return steps;
}

export async function runDemo(opts: DemoOptions, io: Io): Promise<number> {
  const rename = diffInterfaceVersions(IFACE_4_6, IFACE_4_7).filter((c) => c.kind === 'hvmmem');
  const steps = await demoSteps();
  if (opts.json) {
    printJson(io, { client: '0x00040600', recompile: { from: '0x00040600', to: '0x00040700', changes: rename }, steps });
    return EXIT_OK;
  }
  const say = (line = '') => io.out(line + '\n');
  say('In 2016 Xen withdrew HVMMEM_mmio_write_dm. A device model built against Xen 4.6 headers (interface 0x00040600) meets newer hypervisors.');
  for (const c of rename) say(`Recompiled at 0x00040700 it would no longer build: value ${c.value} is ${c.after}, no longer ${c.before}.`);
  let xen = '';
  for (const st of steps) {
    if (st.xen !== xen) {
      xen = st.xen;
      say(`\nXen ${xen}:`);
    }
    say(`  ${st.asked}\n    → ${st.said}${st.why ? ` — ${st.why}` : ''}`);
  }
  say('\nValue 3 kept one meaning forever; the new meaning took a fresh number (4), and from 4.9 one server owns it.');
  say('More: xenmem abi diff 4.6 4.7 · xenmem compat --iface 4.6 --xen 4.22 · docs/simulator.md');
  return EXIT_OK;
}
