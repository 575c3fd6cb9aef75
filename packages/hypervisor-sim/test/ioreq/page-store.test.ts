/**
 * The hypervisor's ioreq page store (`usePageStore`): where servers' pages live. The daemon puts them in its
 * shared-memory arena; here a store over one ArrayBuffer stands in for it.
 */
import { describe, expect, it } from 'vitest';
import { decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import { Hypervisor } from '../../src/hypervisor.js';
import type { IoreqPageStore } from '../../src/index.js';

/** A store of `slots` pages in one buffer; records what it adopted and released. */
function store(slots: number) {
  const memory = new Uint8Array(slots * 4096);
  const free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  const log: string[] = [];
  const s: IoreqPageStore = {
    adopt(page) {
      const i = free.pop();
      if (i === undefined) return null;
      const view = memory.subarray(i * 4096, (i + 1) * 4096);
      view.set(page);
      log.push(`adopt ${i}`);
      return view;
    },
    release(page) {
      if (page.buffer !== memory.buffer) return;
      log.push(`release ${page.byteOffset / 4096}`);
      page.fill(0);
      free.push(page.byteOffset / 4096);
    },
  };
  return { memory, log, store: s, free };
}

async function hypervisor() {
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  return hv;
}

const create = async (hv: Hypervisor, bufioreq: number) => {
  const buf = encodeDmOp('create_ioreq_server', { handle_bufioreq: bufioreq });
  expect((await hv.dmOp(0, 1, [buf])).rc).toBe(0);
  return (decodeDmOp(buf).payload as { id: number }).id;
};

describe('ioreq page store', () => {
  it("moves existing servers' pages in, and views handed out earlier follow them", async () => {
    const hv = await hypervisor();
    const id = await create(hv, 1);
    const { pages } = await hv.acquireResource(0, 1, 0, id, 0, 2);
    pages[1]!.write(16, Uint8Array.of(0xaa, 0xbb));
    const s = store(4);
    hv.usePageStore(s.store);
    expect(s.log).toEqual(['adopt 0', 'adopt 1']); // the synchronous page, then the ring
    expect([...s.memory.subarray(16, 18)]).toEqual([0xaa, 0xbb]);
    s.memory[4096 + 5] = 7; // the ring, written in the store …
    expect(pages[0]!.read(5, 1)).toEqual(Uint8Array.of(7)); // … is what the old view reads
  });

  it('allocates new servers in the store and gives their pages back on destroy and on domain destroy', async () => {
    const hv = await hypervisor();
    const s = store(8);
    hv.usePageStore(s.store);
    const a = await create(hv, 0);
    const b = await create(hv, 1);
    expect(s.log).toEqual(['adopt 0', 'adopt 1', 'adopt 2']);
    expect((await hv.dmOp(0, 1, [encodeDmOp('destroy_ioreq_server', { id: a })])).rc).toBe(0);
    expect(s.log.slice(3)).toEqual(['release 0']);
    await hv.destroyDomain(1);
    expect(s.log.slice(4).sort()).toEqual(['release 1', 'release 2']);
    expect(s.free.length).toBe(8);
    expect(b).not.toBe(a);
  });

  it('keeps a page in plain memory when the store is full', async () => {
    const hv = await hypervisor();
    const s = store(1);
    hv.usePageStore(s.store);
    const id = await create(hv, 1);
    const { pages } = await hv.acquireResource(0, 1, 0, id, 0, 2);
    pages[0]!.write(0, Uint8Array.of(1));
    pages[1]!.write(0, Uint8Array.of(2));
    expect(s.memory[0]).toBe(2); // the synchronous page got the one slot
    expect(pages[0]!.read(0, 1)).toEqual(Uint8Array.of(1)); // the ring lives outside it
  });

  it('leaving the store copies the pages back to plain memory and releases the slots', async () => {
    const hv = await hypervisor();
    const s = store(4);
    hv.usePageStore(s.store);
    const id = await create(hv, 0);
    const { pages } = await hv.acquireResource(0, 1, 0, id, 1, 1);
    pages[0]!.write(100, Uint8Array.of(9, 8));
    hv.usePageStore(null);
    expect(s.log).toEqual(['adopt 0', 'release 0']);
    expect(s.memory.every((b) => b === 0)).toBe(true);
    expect(pages[0]!.read(100, 2)).toEqual(Uint8Array.of(9, 8));
  });
});
