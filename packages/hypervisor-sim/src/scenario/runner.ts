/**
 * The scenario runner: executes a checked scenario against any simulator backend (the in-process
 * Hypervisor, or a daemon's socket backend) and says, step by step, what Xen answered and whether the
 * expectation held. It speaks only the backend interface: the exact DMOP/HVMOP byte buffers built with
 * abi-types' encoders, decoded again at the step's interface version, plus the simulator-control calls.
 * For guest accesses it is the device model of the servers the scenario created: it records every
 * request and answers reads with the step's `respond` (default: all ones of the access size).
 */
import {
  InputError,
  DM_OP_HEADER,
  STRUCTS,
  decodeHvmOpArg,
  decodeStruct,
  dmOpByName,
  layoutAt,
  encodeDmOp,
  encodeHvmOpArg,
  encodeStruct,
  errnoName,
  hvmmemName,
  ifaceHex,
  type DmOpName,
  type HvmOpName,
  type HypercallOutcome,
  type ReleaseName,
} from '@xenmem/abi-types';
import type { IoreqRecord, SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor } from '../hypervisor.js';
import type { P2mCore } from '../p2m/core.js';
import { checkExpect } from './expect.js';
import { ScenarioError } from './load.js';
import type { HypercallPlan, PreparedScenario, PreparedStep } from './prepare.js';
import type { IoreqResult, ScenarioResult, StepResult } from './types.js';
import { allOnes, hex, hexText, jsonReady } from './values.js';

/** Options for running a scenario. */
export interface RunOptions {
  /** Called with each step's result as soon as it is known (for progress output). */
  onStep?: (result: StepResult) => void;
  /** Adds a failed hypercall's reason (the check that failed, when the backend gives one) to its result as `reason`. */
  reasons?: boolean;
}

/** The in-process backend a scenario asks for: its release and preemption policy (and, for tests, a p2m core). */
export function hypervisorForScenario(scenario: PreparedScenario, options: { p2m?: P2mCore } = {}): Hypervisor {
  return new Hypervisor({ release: scenario.xen, preempt: scenario.preempt, ...(options.p2m && { p2m: options.p2m }) });
}

/** Server ids the scenario's aliases stand for, and the alias shown for an id. */
class Servers {
  private readonly idByAlias = new Map<string, number>();
  private readonly aliasById = new Map<string, string>();

  bind(domid: number, alias: string, id: number): void {
    this.idByAlias.set(alias, id);
    this.aliasById.set(`${domid}:${id}`, alias);
  }

  unbindId(domid: number, id: number): void {
    this.aliasById.delete(`${domid}:${id}`);
  }

  forget(alias: string): void {
    this.idByAlias.delete(alias);
  }

  id(alias: string): number | undefined {
    return this.idByAlias.get(alias);
  }

  /** The alias the scenario gave a server, else its id. */
  show(domid: number, id: number): string | number {
    return this.aliasById.get(`${domid}:${id}`) ?? id;
  }
}

function outcomeFields(rc: number): { rc: number; error: string | null } {
  return { rc, error: rc === 0 ? null : (errnoName(-rc) ?? `errno ${-rc}`) };
}

/** Sends a planned hypercall; returns the outcome and the decoded struct as Xen left it. */
async function sendHypercall(backend: SimulatorBackend, step: PreparedStep, plan: HypercallPlan, id: number | undefined) {
  const fields = id === undefined ? plan.fields : { ...plan.fields, id };
  if (plan.family === 'hvm_op') {
    const buf = encodeHvmOpArg(plan.name as HvmOpName, fields);
    const outcome = await backend.hvmOp(step.caller, plan.hvmop!, buf);
    return { outcome, out: decodeHvmOpArg(plan.name as HvmOpName, buf), extra: undefined };
  }
  // Sent in the newest layout (a client built with today's headers), read back in the release's layout, so
  // results use that release's field names (get_ioreq_server_info: ioreq_pfn at 4.9, ioreq_gfn from 4.10).
  const layout = layoutAt(dmOpByName(plan.name).struct, backend.release as ReleaseName);
  const bufs = [encodeDmOp(plan.name as DmOpName, fields as never)];
  if (plan.extents) {
    const extent = STRUCTS.xen_dm_op_modified_memory_extent.size;
    const extents = new Uint8Array(plan.extents.length * extent);
    plan.extents.forEach((e, i) => extents.set(encodeStruct('xen_dm_op_modified_memory_extent', { first_pfn: e.first_pfn, nr: e.nr }), i * extent));
    bufs.push(extents);
  }
  if (plan.bitmapBytes !== undefined) bufs.push(new Uint8Array(plan.bitmapBytes));
  const outcome = await backend.dmOp(step.caller, step.domid, bufs);
  return { outcome, out: decodeStruct(layout, bufs[0]!, DM_OP_HEADER) as unknown as Record<string, unknown>, extra: bufs[1] };
}

/** The fields a hypercall step's result adds, by op. */
function hypercallResult(step: PreparedStep, outcome: HypercallOutcome, out: Record<string, unknown>, extra: Uint8Array | undefined, servers: Servers): Record<string, unknown> {
  const ok = outcome.rc === 0;
  switch (step.op) {
    case 'set_mem_type':
    case 'modified_memory':
      return { changed: outcome.progress, continuations: outcome.continuations };
    case 'map_mem_type_to_ioreq_server':
      return { continuations: outcome.continuations };
    case 'get_mem_type': {
      const memType = ok ? (out.mem_type as number) : null;
      return { type: memType === null ? null : (hvmmemName(memType, step.iface) ?? null), mem_type: memType };
    }
    case 'create_ioreq_server': {
      if (!ok) {
        if (step.as !== undefined) servers.forget(step.as);
        return { id: null };
      }
      const id = out.id as number;
      if (step.as !== undefined) servers.bind(step.domid, step.as, id);
      return { id, ...(step.as !== undefined && { server: step.as }) };
    }
    case 'get_ioreq_server_info': {
      if (!ok) return {};
      const gfns = Object.fromEntries(Object.entries(out).filter(([k]) => /_(gfn|pfn)$/.test(k)).map(([k, v]) => [k, hex(v as bigint)]));
      return { bufioreq_port: out.bufioreq_port, ...gfns };
    }
    case 'destroy_ioreq_server':
      if (ok) servers.unbindId(step.domid, out.id as number);
      return {};
    case 'track_dirty_vram': {
      if (!ok || !extra) return { dirty: null, dirtyCount: null };
      const plan = (step.action as { plan: HypercallPlan }).plan;
      const first = plan.fields.first_pfn as bigint;
      const nr = plan.fields.nr as number;
      const dirty: string[] = [];
      for (let i = 0; i < nr; i++) if ((extra[i >> 3]! >> (i & 7)) & 1) dirty.push(hex(first + BigInt(i)));
      return { dirty, dirtyCount: dirty.length };
    }
    case 'nr_vcpus':
      return { vcpus: ok ? out.vcpus : null };
    default:
      return {};
  }
}

function ioreqResult(r: IoreqRecord, domid: number, servers: Servers): IoreqResult {
  return { server: servers.show(domid, r.server), type: r.type, dir: r.dir, addr: hex(r.addr), size: r.size, count: r.count, data: hex(r.data), buffered: r.buffered };
}

/** Runs one step; returns its result without the expectation check. */
async function runStep(backend: SimulatorBackend, step: PreparedStep, servers: Servers, reasons: boolean): Promise<Record<string, unknown>> {
  const action = step.action;
  switch (action.kind) {
    case 'hypercall': {
      let id: number | undefined;
      if (step.server !== undefined) {
        id = servers.id(step.server);
        if (id === undefined) return { rc: null, error: null, skipped: `server "${step.server}" does not exist: the create_ioreq_server step that named it failed` };
      }
      const { outcome, out, extra } = await sendHypercall(backend, step, action.plan, id);
      return { ...outcomeFields(outcome.rc), ...(reasons && outcome.reason && { reason: outcome.reason }), ...hypercallResult(step, outcome, out, extra, servers) };
    }
    case 'seed_p2m':
      await backend.seedP2m(step.domid, action.firstPfn, action.nr, action.p2m);
      return { rc: 0, error: null };
    case 'inspect': {
      const view = await backend.inspect(step.domid);
      const owner = view.ioreqClaim.owner;
      return {
        rc: 0,
        error: null,
        maxGpfn: hex(view.maxGpfn),
        hap: view.hap,
        hvm: view.hvm,
        vcpus: view.vcpus,
        dm: view.dm,
        ioreqClaim: { ...view.ioreqClaim, owner: owner === null ? null : servers.show(step.domid, owner) },
        p2m: view.p2m.map((r) => ({ first: hex(r.first), count: Number(r.count), type: r.type, name: r.name })),
        events: jsonReady(view.events),
      };
    }
    case 'raw_dm_op': {
      const bufs = action.bufs.map((b) => b.slice());
      const outcome = await backend.dmOp(step.caller, step.domid, bufs);
      return { ...outcomeFields(outcome.rc), continuations: outcome.continuations, bufs: bufs.map(hexText) };
    }
    case 'raw_hvm_op': {
      const arg = action.arg.slice();
      const outcome = await backend.hvmOp(step.caller, action.cmd, arg);
      return { ...outcomeFields(outcome.rc), continuations: outcome.continuations, arg: hexText(arg) };
    }
    case 'guest': {
      const requests: IoreqRecord[] = [];
      const respond = action.respond;
      backend.setIoreqHandler((domid, req) => {
        const answer = req.dir === 'read' ? (respond ?? allOnes(req.size)) & allOnes(req.size) : undefined;
        if (domid === step.domid) requests.push({ ...req, ...(answer !== undefined && { data: answer }) });
        return answer;
      });
      try {
        const r = await backend.guestAccess(action.access);
        return { rc: 0, error: null, outcome: r.outcome, value: r.value === null ? null : hex(r.value), ioreqs: requests.map((q) => ioreqResult(q, step.domid, servers)) };
      } finally {
        backend.setIoreqHandler(null);
      }
    }
  }
}

/**
 * Runs a checked scenario on a backend whose release is the scenario's. Creates the scenario's domains
 * first (defaults: hap, hvm, 1 vCPU, no device-model domain). A backend that refuses a domain or a
 * control call (e.g. a domid that already exists on a daemon) makes the scenario unusable: ScenarioError.
 */
export async function runScenario(scenario: PreparedScenario, backend: SimulatorBackend, options: RunOptions = {}): Promise<ScenarioResult> {
  if (backend.release !== scenario.xen)
    throw new ScenarioError('(backend)', [{ path: 'xen', message: `the scenario is for Xen ${scenario.xen}, but the backend runs Xen ${backend.release}` }]);
  for (const [i, d] of scenario.domains.entries()) {
    try {
      await backend.createDomain(d);
    } catch (err) {
      if (err instanceof InputError) throw new ScenarioError('(backend)', [{ path: `domains[${i}]`, message: `the backend refused it: ${err.message}` }]);
      throw err;
    }
  }
  const servers = new Servers();
  const resolve = (name: string) => servers.id(name);
  const steps: StepResult[] = [];
  for (const step of scenario.steps) {
    let fields: Record<string, unknown>;
    try {
      fields = await runStep(backend, step, servers, options.reasons === true);
    } catch (err) {
      if (err instanceof InputError) throw new ScenarioError('(backend)', [{ path: `steps[${step.index}]`, message: `the backend refused it: ${err.message}` }]);
      throw err;
    }
    const result: StepResult = { index: step.index, op: step.op, rc: null, error: null, expectMet: null, ...fields };
    if (step.expect) {
      const mismatches = result.skipped !== undefined ? [{ field: 'skipped', expected: 'the step to run', actual: result.skipped }] : checkExpect(step.expect, result, resolve);
      result.expectMet = mismatches.length === 0;
      if (mismatches.length) result.mismatches = mismatches;
    }
    steps.push(result);
    options.onStep?.(result);
  }
  return { xen: scenario.xen, iface: ifaceHex(scenario.iface), passed: steps.every((s) => s.expectMet !== false), steps };
}
