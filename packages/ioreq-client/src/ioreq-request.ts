/**
 * The requests an ioreq server receives, in Xen's words (xen/include/public/hvm/ioreq.h struct ioreq @ RELEASE-4.22.0): a synchronous request
 * from one vCPU's slot of the shared ioreq page, answered with `respond()`, or a buffered one from the
 * buffered ring, which is always a write and never answered.
 */
import { CONST, CONSTANTS, decodeIoreqSlot, type Ioreq } from '@xenmem/abi-types';
import type { IoreqTypeName } from '@xenmem/sim-protocol';

/** IOREQ_TYPE_*: the name hvm/ioreq.h gives the number, or the number itself where it gives none (3–6). */
export type IoreqType = IoreqTypeName | number;

/** What every request carries (the fields of ioreq_t that mean something to a device model). */
interface IoreqFields {
  /**
   * The request type (IOREQ_TYPE_*) by name: pio, copy (MMIO), pci_config, timeoffset, invalidate; the number for
   * one the schema does not name.
   */
  type: IoreqType;
  /** IOREQ_READ or IOREQ_WRITE. */
  dir: 'read' | 'write';
  /** Address or port; for pci_config `SBDF << 32 | register` (Xen rewrote it so: xen/arch/x86/hvm/ioreq.c arch_ioreq_server_get_type_addr() @ RELEASE-4.22.0). */
  addr: bigint;
  /** Bytes per item: 1, 2, 4 or 8. */
  size: number;
  /** Items (rep prefix). */
  count: number;
  /** The data written, or, when `dataIsPtr`, the guest physical address of the data. */
  data: bigint;
  /** Direction flag: items run downwards from addr. */
  df: boolean;
  /** `data_is_ptr`: `data` is the guest physical address of the data (rep MMIO/port string ops), not the data. */
  dataIsPtr: boolean;
}

/** A request from a vCPU's slot: the vCPU waits until `respond()`. */
export interface SyncIoreqRequest extends IoreqFields {
  /** False: the request came from a vCPU slot of the shared page and waits for `respond()`. */
  buffered: false;
  /** The vCPU whose slot holds the request (index into `shared_iopage.vcpu_ioreq`). */
  vcpu: number;
  /**
   * Completes the request: for a read (without `dataIsPtr`) writes `value` (default: all ones of the access
   * size, what Xen's null handler reads) into the slot's data, then sets STATE_IORESP_READY and notifies
   * the vCPU's event channel. A value for a write, or a second response, is an InputError.
   */
  respond(value?: bigint): Promise<void>;
}

/** A request from the buffered ring: always a write of one item, never answered (QEMU handle_buffered_iopage). */
export interface BufferedIoreqRequest extends IoreqFields {
  /** True: the request came from the buffered ring (`buffered_iopage`). */
  buffered: true;
  dir: 'write';
  /** Buffered requests get no response: calling this throws an InputError. */
  respond(value?: never): never;
}

/** An ioreq a server received: synchronous or buffered. */
export type IoreqRequest = SyncIoreqRequest | BufferedIoreqRequest;

const IOREQ_TYPES: readonly { name: string; value: number }[] = CONSTANTS.ioreq_type.members;
const IOREQ_READ = CONST.ioreq_dir.read;

export function ioreqTypeName(value: number): IoreqType {
  return (IOREQ_TYPES.find((t) => t.value === value)?.name as IoreqTypeName | undefined) ?? value;
}

export function ioreqDirName(value: number): 'read' | 'write' {
  return value === IOREQ_READ ? 'read' : 'write';
}

/** The fields of a decoded ioreq_t as a request sees them. */
export function requestFields(slot: Ioreq): IoreqFields {
  return {
    type: ioreqTypeName(slot.type),
    dir: ioreqDirName(slot.dir),
    addr: slot.addr,
    size: slot.size,
    count: slot.count,
    data: slot.data,
    df: slot.df !== 0,
    dataIsPtr: slot.data_is_ptr !== 0,
  };
}

/** Decodes vCPU `vcpu`'s slot of a shared ioreq page (struct shared_iopage: ioreq_t vcpu_ioreq[]). */
export function decodeSlot(pageBytes: Uint8Array, vcpu: number): Ioreq {
  return decodeIoreqSlot(pageBytes, vcpu);
}

