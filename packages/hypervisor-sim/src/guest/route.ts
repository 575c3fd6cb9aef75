/**
 * Server selection for an emulated access (xen/common/ioreq.c ioreq_server_select() @ RELEASE-4.22.0): enabled servers, most recent first (slots
 * from 7 down at 4.11+, creation order at ≤4.10); PIO must lie inside a port range, MMIO inside a
 * memory range (honouring the direction flag from 4.12), and a config-space access through 0xcfc with
 * CF8 enabled must name an SBDF in a PCI range, in which case the request becomes IOREQ_TYPE_PCI_CONFIG.
 */
import { CONST, IOREQ_SERVER_IDS, IOREQ_SERVER_RULES, entryAt, type ReleaseName } from '@xenmem/abi-types';
import { type IoreqTypeName } from '@xenmem/sim-protocol';
import type { Domain } from '../domain.js';
import { rangesetContains, type IoreqServer, type RangeType } from '../ioreq/server.js';

const RANGE_PORT = CONST.io_range.port;
const RANGE_MEMORY = CONST.io_range.memory;
const RANGE_PCI = CONST.io_range.pci;
const CF8_PORT = 0xcf8n;
const CFC_PORT = 0xcfcn;
const CF8_ENABLED = 0x80000000;

export interface Selected {
  server: IoreqServer;
  type: IoreqTypeName;
  addr: bigint;
}

export function serversInOrder(domain: Domain, release: ReleaseName): IoreqServer[] {
  const scheme = entryAt(IOREQ_SERVER_IDS, release)!.scheme;
  const all = [...domain.servers.values()].filter((s) => s.enabled);
  return scheme === 'slots' ? all.sort((a, b) => b.id - a.id) : all.sort((a, b) => b.created - a.created);
}

export function selectServer(domain: Domain, release: ReleaseName, kind: 'pio' | 'copy', addr: bigint, size: number, count: number, df: boolean): Selected | undefined {
  const honourDf = entryAt(IOREQ_SERVER_RULES, release)!.honourDf;
  let rangeType: RangeType = kind === 'pio' ? RANGE_PORT : RANGE_MEMORY;
  let matchAddr = addr;
  if (kind === 'pio' && (addr & ~3n) === CFC_PORT && (domain.pciCf8 & CF8_ENABLED) !== 0) {
    const sbdf = BigInt((domain.pciCf8 & 0x00ffff00) >>> 8);
    const reg = BigInt((domain.pciCf8 & 0xfc) | Number(addr & 3n));
    rangeType = RANGE_PCI;
    matchAddr = (sbdf << 32n) | reg;
  }
  for (const s of serversInOrder(domain, release)) {
    const set = s.ranges[rangeType as 0 | 1 | 2];
    if (rangeType === RANGE_PCI) {
      const sbdf = matchAddr >> 32n;
      if (rangesetContains(set, sbdf, sbdf)) return { server: s, type: 'pci_config', addr: matchAddr };
    } else if (rangeType === RANGE_PORT) {
      if (rangesetContains(set, addr, addr + BigInt(size) - 1n)) return { server: s, type: 'pio', addr };
    } else {
      const span = BigInt(size) * BigInt(count);
      const U64 = (1n << 64n) - 1n;
      const [first, last] = df && honourDf ? [(addr - span + BigInt(size)) & U64, addr + BigInt(size) - 1n] : [addr, (addr + span - 1n) & U64];
      if (rangesetContains(set, first, last)) return { server: s, type: 'copy', addr };
    }
  }
  return undefined;
}

/** Records a 4-byte write to port 0xcf8 (Xen's latch), which still goes on to the device model. */
export function latchCf8(domain: Domain, port: bigint, size: number, value: bigint): void {
  if (port === CF8_PORT && size === 4) domain.pciCf8 = Number(value & 0xffffffffn);
}
