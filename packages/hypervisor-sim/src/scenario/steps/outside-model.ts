/**
 * DM ops whose effect lies outside the simulator's model (interrupts, events, shutdown, relocation, cache
 * attributes, vCPU count): the checks Xen makes are modelled; the effect is logged in the domain's events.
 */
import type { ConstantName } from '@xenmem/abi-types';
import type { U64, Uint, Domid } from '../scalars.js';
import type { StepBase, ExpectBase } from './base.js';

export interface SetPciIntxLevelStep extends StepBase {
  // The op: set_pci_intx_level.
  op: 'set_pci_intx_level';
  // The target domain.
  domid: Domid;
  /** The PCI segment (Xen's field name). */
  domain: Uint;
  // PCI bus of the device.
  bus: Uint;
  // PCI device (slot) number.
  device: Uint;
  // The INTx line: 0 … 3 for INTA … INTD.
  intx: Uint;
  // 1 asserts the line, 0 deasserts it.
  level: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetIsaIrqLevelStep extends StepBase {
  // The op: set_isa_irq_level.
  op: 'set_isa_irq_level';
  // The target domain.
  domid: Domid;
  // ISA IRQ number, 0 … 15.
  isa_irq: Uint;
  // 1 asserts the IRQ, 0 deasserts it.
  level: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetPciLinkRouteStep extends StepBase {
  // The op: set_pci_link_route.
  op: 'set_pci_link_route';
  // The target domain.
  domid: Domid;
  // PCI link number, 0 … 3.
  link: Uint;
  // The ISA IRQ to route the link to, 0 … 15 (0 disables the route).
  isa_irq: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface InjectEventStep extends StepBase {
  // The op: inject_event.
  op: 'inject_event';
  // The target domain.
  domid: Domid;
  // The vCPU to inject into.
  vcpuid: Uint;
  // The interrupt or exception vector, 0 … 255.
  vector: Uint;
  /** XEN_DMOP_EVENT_* name or number. */
  type: ConstantName<'inject_event_type'> | Uint;
  // The exception's error code (XEN_DMOP_no_error_code, ~0, for none).
  error_code?: Uint;
  // Length of the instruction, for software interrupts and exceptions.
  insn_len?: Uint;
  // CR2 to set, for a page fault.
  cr2?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface InjectMsiStep extends StepBase {
  // The op: inject_msi.
  op: 'inject_msi';
  // The target domain.
  domid: Domid;
  // The MSI address.
  addr: U64;
  // The MSI data.
  data: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface RemoteShutdownStep extends StepBase {
  // The op: remote_shutdown.
  op: 'remote_shutdown';
  // The target domain.
  domid: Domid;
  /** SHUTDOWN_* reason code. */
  reason: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface RelocateMemoryStep extends StepBase {
  // The op: relocate_memory.
  op: 'relocate_memory';
  // The target domain.
  domid: Domid;
  // Number of pages to move.
  size: Uint;
  // First gfn to move from.
  src_gfn: U64;
  // First gfn to move to.
  dst_gfn: U64;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface PinMemoryCacheattrStep extends StepBase {
  // The op: pin_memory_cacheattr.
  op: 'pin_memory_cacheattr';
  // The target domain.
  domid: Domid;
  // First gfn of the range (inclusive).
  start: U64;
  // Last gfn of the range (inclusive).
  end: U64;
  /** XEN_DMOP_MEM_CACHEATTR_* name ("wb", "uc", …, "delete") or number. */
  type: ConstantName<'mem_cacheattr'> | Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetIrqLevelStep extends StepBase {
  // The op: set_irq_level.
  op: 'set_irq_level';
  // The target domain.
  domid: Domid;
  // The IRQ (GSI) number.
  irq: Uint;
  // 1 asserts the IRQ, 0 deasserts it.
  level: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface NrVcpusStep extends StepBase {
  // The op: nr_vcpus.
  op: 'nr_vcpus';
  // The target domain.
  domid: Domid;
  // What the step must give; only the fields listed are compared.
  expect?: NrVcpusExpect;
}

export interface NrVcpusExpect extends ExpectBase {
  // The number of vCPUs Xen reports.
  vcpus?: Uint;
}
