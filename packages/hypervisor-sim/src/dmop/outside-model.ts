/**
 * DM ops whose effect lies outside the model (interrupt lines, event and MSI injection, shutdown,
 * memory relocation, cache attributes). They get Xen's argument checks and, when those pass, are
 * recorded in the domain's event log, which scenarios and `xenmem sim inspect` can read.
 */
import { CONSTANTS, INJECT_MSI, entryAt, limitAt, type LimitId } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import { nonZeroPad } from '../payload.js';
import type { DmOpContext, DmOpStep } from './context.js';

function record(ctx: DmOpContext, op: string): DmOpStep {
  const args = Object.fromEntries(Object.entries(ctx.payload).filter(([k]) => !k.startsWith('pad')));
  ctx.domain.events.push({ op, args });
  return { rc: OK };
}

/** The highest value a range check of these ops lets through (schema: limits[]). */
function max(ctx: DmOpContext, id: LimitId): number {
  return limitAt(id, ctx.release)!.value;
}

/** set_pci_intx_level: only segment 0, bus 0, device ≤ 31, INTx A–D, level 0 or 1. */
export function setPciIntxLevel(ctx: DmOpContext): DmOpStep {
  const p = ctx.payload as { domain: number; bus: number; device: number; intx: number; level: number };
  if (p.domain !== 0 || p.bus !== 0 || p.device > max(ctx, 'maxPciDevice') || p.intx > max(ctx, 'maxPciIntx') || p.level > 1) return { rc: fail('EINVAL', 'irq-out-of-range') };
  return record(ctx, 'set_pci_intx_level');
}

/** set_isa_irq_level: IRQ 0–15, level 0 or 1. */
export function setIsaIrqLevel(ctx: DmOpContext): DmOpStep {
  const p = ctx.payload as { isa_irq: number; level: number };
  if (p.isa_irq > max(ctx, 'maxIsaIrq') || p.level > 1) return { rc: fail('EINVAL', 'irq-out-of-range') };
  return record(ctx, 'set_isa_irq_level');
}

/** set_pci_link_route: link 0–3, ISA IRQ 0–15 (0 disables the route). */
export function setPciLinkRoute(ctx: DmOpContext): DmOpStep {
  const p = ctx.payload as { link: number; isa_irq: number };
  if (p.link > max(ctx, 'maxPciLink') || p.isa_irq > max(ctx, 'maxIsaIrq')) return { rc: fail('EINVAL', 'irq-out-of-range') };
  return record(ctx, 'set_pci_link_route');
}

/** inject_event: pads zero, an existing vCPU. */
export function injectEvent(ctx: DmOpContext): DmOpStep {
  if (nonZeroPad(ctx.payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  if ((ctx.payload.vcpuid as number) >= ctx.domain.vcpus) return { rc: fail('EINVAL', 'vcpu-missing') };
  return record(ctx, 'inject_event');
}

/** The bits `field` selects from `value`. */
function bits(value: bigint, field: { shift: number; width: number }): bigint {
  return (value >> BigInt(field.shift)) & ((1n << BigInt(field.width)) - 1n);
}

/**
 * inject_msi: pad zero, then hvm_inject_msi's checks (schema: injectMsi[]). Vector 0 asks for a pirq built
 * from the address, and pirq 0 is refused; any other vector goes to vmsi_deliver, which delivers only the
 * fixed and lowest-priority modes. The pirq mapping and the vLAPIC (lowest priority with no matching
 * vCPU is ESRCH in Xen) are outside the model: what passes the checks is recorded.
 */
export function injectMsi(ctx: DmOpContext): DmOpStep {
  if (nonZeroPad(ctx.payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  const rules = entryAt(INJECT_MSI, ctx.release)!;
  const data = BigInt(ctx.payload.data as number);
  const addr = ctx.payload.addr as bigint;
  if (bits(data, rules.vector) === 0n) {
    const pirq = ((addr >> 32n) & BigInt(rules.pirqHighMask)) | bits(addr, rules.destId);
    if (pirq === 0n) return { rc: fail(rules.noPirq, 'msi-no-pirq') };
  } else if (!(rules.deliveryModes as readonly number[]).includes(Number(bits(data, rules.deliveryMode)))) {
    return { rc: fail(rules.otherDeliveryMode, 'msi-delivery-mode') };
  }
  return record(ctx, 'inject_msi');
}

export function remoteShutdown(ctx: DmOpContext): DmOpStep {
  return record(ctx, 'remote_shutdown');
}

export function relocateMemory(ctx: DmOpContext): DmOpStep {
  if (nonZeroPad(ctx.payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  return record(ctx, 'relocate_memory');
}

/** pin_memory_cacheattr: start ≤ end, and a known cache attribute (or the delete marker). */
export function pinMemoryCacheattr(ctx: DmOpContext): DmOpStep {
  const p = ctx.payload as { start: bigint; end: bigint; type: number };
  if (nonZeroPad(ctx.payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  if (p.start > p.end) return { rc: fail('EINVAL', 'pfn-range') };
  if (!CONSTANTS.mem_cacheattr.members.some((m) => m.value === p.type)) return { rc: fail('EINVAL', 'cacheattr-type') };
  return record(ctx, 'pin_memory_cacheattr');
}

/** nr_vcpus: reports the domain's vCPU count (copied back). */
export function nrVcpus(ctx: DmOpContext): DmOpStep {
  ctx.payload.vcpus = ctx.domain.vcpus;
  return { rc: OK };
}
