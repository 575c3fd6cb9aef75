/** Simulator control steps: seed_p2m sets p2m entries directly, inspect compares a domain's state. */
import type { U64, Uint, Domid, UintOrNull, P2mTypeSpec, ServerSpecOrNull } from '../scalars.js';
import type { StepBase, ExpectBase } from './base.js';

/** Sets internal p2m types directly (paged, shared, log-dirty, grant, holes, …) within 0 … maxGpfn. */
export interface SeedP2mStep extends StepBase {
  // The op: seed_p2m (simulator control: sets p2m entries without set_mem_type's checks).
  op: 'seed_p2m';
  // The target domain.
  domid: Domid;
  // First gfn to set.
  first_pfn: U64;
  // Number of gfns to set.
  nr: Uint;
  /** The internal type: a name at the scenario's release (with or without `p2m_`), or its number 0–15. */
  p2m: P2mTypeSpec;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}
/** The backend's view of a domain (p2m runs, servers' claim, entry_count, logged events). */
export interface InspectStep extends StepBase {
  // The op: inspect (simulator control: compares the domain's state).
  op: 'inspect';
  // The target domain.
  domid: Domid;
  // What the step must give; only the fields listed are compared.
  expect?: InspectExpect;
}

// One run of equal p2m type that `inspect` must show.
export interface P2mRunExpect {
  // First gfn of the run.
  first?: U64;
  // Number of gfns in the run.
  count?: Uint;
  // The run's p2m_type_t number.
  type?: Uint;
  // The p2m type's name in the release, e.g. "p2m_ioreq_server".
  name?: string;
}

export interface InspectExpect extends ExpectBase {
  // Highest gfn of the p2m.
  maxGpfn?: U64;
  // Hardware-assisted paging.
  hap?: boolean;
  // An HVM guest.
  hvm?: boolean;
  // Number of vCPUs.
  vcpus?: Uint;
  // Domain id of the device model, or null.
  dm?: UintOrNull;
  // The HVMMEM_ioreq_server claim.
  ioreqClaim?: {
    /** The owning server's alias or id, or null. */
    owner?: ServerSpecOrNull;
    // XEN_DMOP_IOREQ_MEM_ACCESS_* flags of the claim (0: unclaimed).
    flags?: Uint;
    // Number of p2m entries of type p2m_ioreq_server.
    entryCount?: Uint;
  };
  /** The exact list of p2m runs, each compared on the fields given. */
  p2m?: P2mRunExpect[];
  /** The exact list of ops recorded outside the model, each compared on the fields given. */
  events?: {
    // The op, e.g. "set_mem_type".
    op?: string;
    // Its arguments, by field name.
    args?: { [field: string]: U64 };
  }[];
}
