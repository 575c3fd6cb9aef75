/**
 * A write-protected page tracker in the XenGT style (xen/arch/x86/mm/p2m.c p2m_set_ioreq_server() @ RELEASE-4.22.0, xen/arch/x86/hvm/emulate.c hvmemul_do_io() @ RELEASE-4.22.0): the device model claims
 * HVMMEM_ioreq_server for writes and retypes the guest pages it shadows (GPU page tables, in XenGT) to
 * ioreq_server. Guest reads of those pages come straight from RAM; every guest write traps and reaches the
 * claiming server as a copy request, which the tracker records, applies to its shadow and completes by
 * writing the guest's page through a foreign mapping (as XenGT writes the guest page table, then updates
 * its shadow), so the guest's later reads see the value it wrote.
 */
const PAGE = 4096n;

export class PageTracker {
  /** gfn → { guest: SharedPage (foreign mapping), shadow: Uint8Array }. */
  pages = new Map();
  /** Every write the guest made, in order: { gfn, offset, size, value }. */
  writes = [];

  /** Starts tracking a page: its guest mapping, and a shadow initialised from its contents. */
  add(gfn, guestPage) {
    this.pages.set(gfn, { guest: guestPage, shadow: guestPage.read(0, Number(PAGE)) });
  }

  contains(addr) {
    return this.pages.has(addr / PAGE);
  }

  /** A trapped guest write of `size` bytes (one item; Xen splits at the page boundary). */
  write(addr, size, value) {
    const gfn = addr / PAGE;
    const offset = Number(addr % PAGE);
    const page = this.pages.get(gfn);
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    const record = { gfn, offset, size, value };
    this.writes.push(record);
    page.shadow.set(bytes, offset);
    page.guest.write(offset, bytes);
    return record;
  }
}
