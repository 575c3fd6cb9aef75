/**
 * What every section of the DeviceModel suite starts from: a fresh backend at one release with four
 * domains, a recording of the hypercalls made, and a DeviceModel over it.
 */
import { expect } from 'vitest';
import { ERRNO, InputError, XenError, type ErrnoName, type HypercallBackend, type IfaceInput } from '@xenmem/abi-types';
import type { DomainConfig, DomainInspection } from '@xenmem/sim-protocol';
import { DeviceModel } from '../../src/index.js';
import { recording, type Recording } from './recording.js';

/** Releases the suite has expectations for: the last HVMOP release, the middle of the DMOP era, the newest. */
export const SUITE_RELEASES = ['4.8', '4.11', '4.22'] as const;
export type SuiteRelease = (typeof SUITE_RELEASES)[number];

/** A backend the suite can run against: the hypercalls plus domain creation; `inspect` is used when present. */
export type SuiteBackend = HypercallBackend & {
  createDomain(config: DomainConfig): Promise<void>;
  inspect?(domid: number): Promise<DomainInspection>;
  /** True when the calls cross Linux's /dev/xen/privcmd (the host backend), whose own checks come first. */
  privcmd?: boolean;
};
export type MakeBackend = (release: SuiteRelease) => Promise<SuiteBackend>;

/** The guest: HAP, 2 vCPUs, RAM up to 0xfffff. */
export const GUEST = 1;
/** A guest whose device model is domain DM_DOMAIN (so that domain may operate on it). */
export const DM_GUEST = 2;
export const DM_DOMAIN = 3;
/** A PV guest (not HVM). */
export const PV_GUEST = 5;
/** An HVM guest without HAP (shadow paging). */
export const SHADOW_GUEST = 6;
/** A domain that does not exist. */
export const NO_DOMAIN = 99;
export const MAX_GPFN = 0xfffff;

const DOMAINS: DomainConfig[] = [
  { domid: GUEST, maxGpfn: MAX_GPFN, vcpus: 2 },
  { domid: DM_GUEST, maxGpfn: 0xfff, dm: DM_DOMAIN },
  { domid: PV_GUEST, maxGpfn: 0xfff, hvm: false },
  { domid: SHADOW_GUEST, maxGpfn: 0xfff, hap: false },
];

export interface Fixture {
  release: SuiteRelease;
  /** Up to 4.8 the tools ops are HVMOPs. */
  legacy: boolean;
  backend: SuiteBackend;
  rec: Recording;
  /** A client at the newest interface version, caller domain 0. */
  dm: DeviceModel<'4.22'>;
  /** Another client over the same recording. */
  client<V extends IfaceInput = '4.22'>(options?: { caller?: number; iface?: V }): DeviceModel<V>;
}

export async function fixture(make: MakeBackend, release: SuiteRelease): Promise<Fixture> {
  const backend = await make(release);
  for (const d of DOMAINS) await backend.createDomain(d);
  const rec = recording(backend);
  const client = <V extends IfaceInput = '4.22'>(options: { caller?: number; iface?: V } = {}) =>
    new DeviceModel<V>({ backend: rec.backend, iface: (options.iface ?? '4.22') as V, caller: options.caller ?? 0 });
  return { release, legacy: release === '4.8', backend, rec, dm: client<'4.22'>(), client };
}

/** A value by release. */
export function byRelease<T>(release: SuiteRelease, table: Record<SuiteRelease, T>): T {
  return table[release];
}

/** Asserts that a call rejects with a XenError of exactly this errno and op. */
export async function expectXenError(p: Promise<unknown>, code: ErrnoName, op: string): Promise<XenError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(XenError);
  const x = err as XenError;
  expect({ code: x.code, errno: x.errno, op: x.op }).toEqual({ code, errno: ERRNO[code].value, op });
  return x;
}

/** Asserts that a call rejects with an InputError naming `argument`. */
export async function expectInputError(p: Promise<unknown>, argument: string): Promise<InputError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).argument).toBe(argument);
  return err as InputError;
}

/**
 * Asserts the last event a simulator logged for an op outside its model (interrupts, shutdown, …). A backend
 * without inspection skips this; the bytes sent are asserted separately.
 */
export async function expectLastEvent(f: Fixture, domid: number, event: { op: string; args: Record<string, unknown> }): Promise<void> {
  if (!f.backend.inspect) return;
  expect((await f.backend.inspect(domid)).events.at(-1)).toEqual(event);
}
