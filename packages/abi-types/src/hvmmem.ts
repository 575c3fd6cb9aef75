/**
 * hvmmem_type_t at an interface version, and what a hypervisor release does with a number.
 *
 * A client encodes names at the interface version it was built for and decodes the numbers it gets
 * back at the same version; the hypervisor only ever sees numbers (docs/architecture.md).
 */
import { HVMMEM_UNLISTED_ERROR, HVMMEM_VALUES, REQUIREMENTS, type ErrnoName, type HvmmemNameAt, type ReleaseName } from './generated/index.js';
import { InputError } from './errors.js';
import { entryAt, ifaceHex, resolveIface, resolveRelease, type GeneratedRange, type IfaceInput } from './release.js';
import { p2mName } from './p2m.js';

type HvmmemNameEntry = (typeof HVMMEM_VALUES)[number]['names'][number];

/** HVMMEM_ioreq_server's number (4.7+): the one number whose name has the ioreq_server semantics. schema: hvmmemTypes[].names[].semantics */
export const HVMMEM_IOREQ_SERVER: number = HVMMEM_VALUES.find((v) => v.names.some((n) => n.semantics === 'ioreq_server'))!.value;

interface AcceptanceEntry {
  readonly releases: GeneratedRange;
  readonly accepted: boolean;
  readonly error: ErrnoName | null;
  readonly p2m: number | null;
  readonly requires: readonly string[];
  readonly why: string;
}

/** One number of hvmmem_type_t as a client at some interface version sees it. */
export interface HvmmemTypeAt {
  /** The hvmmem_type_t number. */
  value: number;
  /** Its name at that interface version, e.g. "ioreq_server". */
  name: string;
  /** C enumerator, e.g. `HVMMEM_ioreq_server`. */
  cName: string;
  /** Semantics tag: what the number means (the schema's `semantics[]`). */
  semantics: string;
  /** First release whose headers have the name. */
  firstRelease: string;
  /** What the type means for a guest page. */
  description: string;
}

function nameEntryAt(value: number, iface: number): HvmmemNameEntry | undefined {
  const v = HVMMEM_VALUES.find((x) => x.value === value);
  return v?.names.find((n) => (n.ifaceFrom === null || iface >= n.ifaceFrom) && (n.ifaceBelow === null || iface < n.ifaceBelow));
}

/** Every named number of hvmmem_type_t at an interface version, by value. */
export function hvmmemTypesAt(iface: IfaceInput): HvmmemTypeAt[] {
  const v = resolveIface(iface);
  return HVMMEM_VALUES.flatMap((x) => {
    const n = nameEntryAt(x.value, v);
    return n ? [{ value: x.value, name: n.name, cName: n.cName, semantics: n.semantics, firstRelease: n.firstRelease, description: n.description }] : [];
  });
}

/**
 * The number of a memory-type name at an interface version. Typed so that a name the version does not
 * have is a compile error: `hvmmemType('mmio_write_dm', IFACE_4_7)` does not compile, and the same
 * call at `IFACE_4_6` does. Versions TypeScript cannot see through are checked at run time.
 */
export function hvmmemType<V extends IfaceInput>(name: HvmmemNameAt<V>, iface: V): number {
  const v = resolveIface(iface);
  for (const x of HVMMEM_VALUES) if (nameEntryAt(x.value, v)?.name === name) return x.value;
  const known = hvmmemTypesAt(v).map((t) => t.name).join(', ');
  throw new InputError('mem_type', name, `is not a memory type at interface version ${ifaceHex(v)} (names there: ${known})`);
}

/** The name of a number at an interface version, or undefined when it has none there. */
export function hvmmemName(value: number, iface: IfaceInput): string | undefined {
  return nameEntryAt(value, resolveIface(iface))?.name;
}

/** What a hypervisor release's set_mem_type does with a number, before its per-page loop. */
export type HvmmemVerdict =
  | {
      /** set_mem_type accepts the value in that release. */
      accepted: true;
      /** The p2m_type_t number pages get. */
      p2m: number;
      /** That p2m type's name in the release, e.g. "p2m_ioreq_server". */
      p2mName: string;
      /** Checks made before the loop (schema `requirements`), in Xen's order, each with the errno it fails with. */
      requires: {
        /** Requirement id, e.g. "hap". */
        id: string;
        /** What set_mem_type returns when it fails. */
        error: ErrnoName;
      }[];
      /** Why, citing the Xen source. */
      why: string;
    }
  | {
      /** set_mem_type rejects the value in that release. */
      accepted: false;
      /** The errno it rejects the value with, e.g. "EINVAL". */
      error: ErrnoName;
      /** Why, citing the Xen source. */
      why: string;
    };

/** How `release` treats the hvmmem value `value`: its name there and whether it is accepted. */
export function hvmmemVerdict(value: number, release: string): HvmmemVerdict {
  const r = resolveRelease(release);
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new InputError('mem_type', value, 'is not a uint16');
  const entries: readonly AcceptanceEntry[] = HVMMEM_VALUES.find((x) => x.value === value)?.hypervisor ?? [];
  const entry = entryAt(entries, r);
  if (entry === undefined) return { accepted: false, error: HVMMEM_UNLISTED_ERROR, why: 'outside the translation table' };
  if (!entry.accepted) return { accepted: false, error: entry.error!, why: entry.why };
  const requires = REQUIREMENTS.filter((q) => entry.requires.includes(q.id)).map((q) => ({ id: q.id, error: q.error }));
  return { accepted: true, p2m: entry.p2m!, p2mName: p2mName(entry.p2m!, r as ReleaseName) ?? `p2m type ${entry.p2m}`, requires, why: entry.why };
}
