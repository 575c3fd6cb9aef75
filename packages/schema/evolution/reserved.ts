/**
 * reserved-not-append-only: numbers and names that Xen reserves forever.
 *
 * An op number keeps its name even after the hypervisor stops handling it: HVMOP 8 (set_mem_type) left the
 * headers at 4.9 when it became DMOP 12, and HVMOPs 12/13 answer ENOSYS since 4.6, yet no new op ever took
 * those numbers. The same holds for hypercall numbers, constants (a constant's value never changes), errno
 * values, and each release's `__XEN_LATEST_INTERFACE_VERSION__` (release names stand for it, e.g. "4.10" is
 * 0x00040900). Everything here may only be added to.
 */
import type { XenAbiSchema } from '../types.js';
import type { RuleFinding } from './rules.js';

interface Numbered {
  value: number;
  name: string;
  cName: string;
}

/** Ops and hypercalls: a number keeps its name and its C name. */
function checkNumbered(kind: string, base: readonly Numbered[], next: readonly Numbered[], advice: string): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const free = Math.max(-1, ...base.map((o) => o.value), ...next.map((o) => o.value)) + 1;
  for (const old of base) {
    const now = next.find((o) => o.value === old.value);
    const subject = `${kind} ${old.value}`;
    if (!now) {
      findings.push({
        rule: 'reserved-not-append-only',
        subject,
        message: `${kind} ${old.value} (${old.cName}) is gone.`,
        fix: `${kind} numbers are reserved forever, even once Xen stops handling them: restore the entry${advice}.`,
      });
    } else if (now.name !== old.name || now.cName !== old.cName) {
      findings.push({
        rule: 'reserved-not-append-only',
        subject,
        message: `${kind} ${old.value} was ${old.cName} and is now ${now.cName}${now.name !== old.name ? ` ("${old.name}" → "${now.name}")` : ''}.`,
        fix: `A number keeps its name: restore ${old.cName} and give the new one a fresh number (the lowest free is ${free}).`,
      });
    }
  }
  return findings;
}

function checkConstants(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const group of base.constants) {
    const nextGroup = next.constants.find((g) => g.name === group.name);
    for (const old of group.members) {
      const now = nextGroup?.members.find((m) => m.name === old.name);
      const subject = `constant ${group.name}.${old.name}`;
      if (!now) {
        findings.push({
          rule: 'reserved-not-append-only',
          subject,
          message: `${old.cName} = ${old.value} (constants group "${group.name}") is gone.`,
          fix: `Constants are reserved forever: restore it; if Xen dropped it from its headers, mark the group with visibility "removed" and lastHeaderRelease instead (as for HVMOP_IO_RANGE_*, gone after 4.8).`,
        });
      } else if (now.value !== old.value || now.cName !== old.cName) {
        findings.push({
          rule: 'reserved-not-append-only',
          subject,
          message: `${old.cName} was ${old.value} and is now ${now.cName} = ${now.value}.`,
          fix: `A constant keeps its name and value forever: restore ${old.cName} = ${old.value} and add any new value as a new member.`,
        });
      }
    }
  }
  return findings;
}

function checkErrno(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  // The schema lists only the errno values xenmem uses, so dropping one is allowed; changing one is not.
  const findings: RuleFinding[] = [];
  for (const old of base.errno) {
    const now = next.errno.find((e) => e.name === old.name);
    if (!now || now.value === old.value) continue;
    findings.push({
      rule: 'reserved-not-append-only',
      subject: `errno ${old.name}`,
      message: `${old.name} was ${old.value} and is now ${now.value}.`,
      fix: `Xen's errno values (public/errno.h) never change: restore ${old.value}.`,
    });
  }
  return findings;
}

function checkReleases(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const old of base.releases) {
    const now = next.releases.find((r) => r.name === old.name);
    const subject = `release ${old.name}`;
    if (!now) {
      findings.push({
        rule: 'reserved-not-append-only',
        subject,
        message: `Xen ${old.name} is gone from releases[].`,
        fix: 'A released Xen stays in the schema: restore it (interface versions and acceptance data refer to it).',
      });
    } else if (now.latestInterfaceVersion !== old.latestInterfaceVersion) {
      findings.push({
        rule: 'reserved-not-append-only',
        subject,
        message: `Xen ${old.name}'s latest interface version changed from ${old.latestInterfaceVersion} to ${now.latestInterfaceVersion}.`,
        fix: `It is a fact of that release's xen-compat.h, and "${old.name}" as an interface version means it: restore ${old.latestInterfaceVersion}.`,
      });
    }
  }
  return findings;
}

export function checkReserved(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  return [
    ...checkReleases(base, next),
    ...checkNumbered('hypercall', base.hypercalls, next.hypercalls, ''),
    ...checkNumbered('HVMOP', base.hvmops, next.hvmops, ', with lastHeaderRelease and dispatched saying where Xen dropped it (as for HVMOP 8 after 4.8)'),
    ...checkNumbered('DMOP', base.dmops, next.dmops, ''),
    ...checkConstants(base, next),
    ...checkErrno(base, next),
  ];
}
