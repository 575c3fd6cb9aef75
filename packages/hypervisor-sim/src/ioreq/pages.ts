/**
 * Where an ioreq server's two pages live (the page store) and the view a device model gets of them. Their
 * layout (a vCPU's ioreq_t slot, its state bit-field, the buffered ring) is the ABI's, shared with the
 * client: @xenmem/abi-types' ioreq-page module, read from the schema's struct tables (public/hvm/ioreq.h).
 */
import { InputError, IOREQ_PAGE_SIZE, type SharedPage } from '@xenmem/abi-types';

export const PAGE_SIZE = IOREQ_PAGE_SIZE;
// The slots and states of the synchronous page are the ABI's (public/hvm/ioreq.h), shared with the device model.
export {
  STATE_IOREQ_NONE,
  STATE_IOREQ_READY,
  STATE_IOREQ_INPROCESS,
  STATE_IORESP_READY,
  ioreqSlotOffset as slotOffset,
  decodeIoreqSlot as readSlot,
  ioreqSlotState as slotState,
  setIoreqSlotState as setSlotState,
  encodeIoreqSlot as writeSlot,
  ioreqSlotData as slotData,
  setIoreqSlotData as setSlotData,
  ioreqSlotPort as slotPort,
  setIoreqSlotPort as setSlotPort,
} from '@xenmem/abi-types';

/**
 * Where ioreq servers' pages live. By default plain memory; the daemon installs a store that puts them in a
 * file under /dev/shm so that a device-model process maps the very bytes Xen writes (docs/protocol.md "Shared
 * memory"). `adopt` copies a page into the store and returns the store's view of it (null: no room, keep the
 * page where it is); `release` gives back a page adopted earlier (other pages are ignored).
 */
export interface IoreqPageStore {
  /**
   * Takes a page into the store: copies `page`'s 4096 bytes into a free page of the store and returns the store's
   * view of that page, which the hypervisor uses from then on (as the server's `ioreq_pfn`/`bufioreq_pfn` page).
   * Returns null when the store has no free page; the hypervisor then keeps the page where it is. `page` itself
   * is not changed.
   */
  adopt(page: Uint8Array): Uint8Array | null;
  /**
   * Gives back a page `adopt` returned, when its server is destroyed (or its domain is), or the hypervisor switches
   * to another store: the store may zero it and hand it out again. A page the store did not give out is ignored.
   */
  release(page: Uint8Array): void;
}

/**
 * The page as a device model sees it: a thin view over the live bytes (writes land at once). It reads its
 * bytes through `source` each time, so a page moved into a page store is seen where it lives now.
 */
export class SharedPageView implements SharedPage {
  constructor(private readonly source: () => Uint8Array) {}

  /** The page's bytes where they live now. */
  get bytes(): Uint8Array {
    return this.source();
  }

  read(offset: number, length: number): Uint8Array {
    check(offset, length);
    return this.source().slice(offset, offset + length);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InputError('bytes', bytes, 'must be a Uint8Array');
    check(offset, bytes.length);
    this.source().set(bytes, offset);
  }
}

function check(offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > PAGE_SIZE)
    throw new InputError('offset', `${offset}+${length}`, `lies outside the ${PAGE_SIZE}-byte page`);
}
