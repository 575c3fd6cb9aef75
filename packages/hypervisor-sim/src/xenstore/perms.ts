/**
 * Node permissions as xenstored keeps and checks them: the first entry names the owner and what every other
 * domain may do; later entries grant one domain read, write, both or nothing
 * (tools/xenstore/xenstored_core.c perm_for_conn() @ RELEASE-4.17.0; xs_lib.c xs_strings_to_perms(),
 * xs_perm_to_string()).
 */
export interface XsPerm {
  /** The domain the entry is about (the owner, for the first entry). */
  id: number;
  /** The domain may read the node (and list its children). */
  read: boolean;
  /** The domain may write the node (and create or remove children). */
  write: boolean;
  /**
   * The entry names a domain that does not exist (xenstored's XS_PERM_IGNORE from domain_alloc_permrefs()):
   * kept and reported, never granting anything.
   */
  ignore?: boolean;
}

export interface Access {
  read: boolean;
  write: boolean;
  owner: boolean;
}

const ALL: Access = { read: true, write: true, owner: true };

/** perm_for_conn(): what domain `caller` may do on a node with these perms (privileged: everything). */
export function permFor(caller: number, privileged: boolean, perms: readonly XsPerm[]): Access {
  if (privileged || perms[0]!.id === caller) return ALL;
  const entry = perms.slice(1).find((p) => !p.ignore && p.id === caller) ?? perms[0]!;
  return { read: entry.read, write: entry.write, owner: false };
}

const LETTER: Record<string, { read: boolean; write: boolean }> = {
  r: { read: true, write: false },
  w: { read: false, write: true },
  b: { read: true, write: true },
  n: { read: false, write: false },
};

/** xs_perm_to_string(): 'r', 'w', 'b' or 'n' and the domain id. */
export function permToString(p: XsPerm): string {
  const letter = p.read ? (p.write ? 'b' : 'r') : p.write ? 'w' : 'n';
  // "%i" of the id as an int: an id of 2^32-1 reads back as -1, as from xenstored.
  return `${letter}${p.id | 0}`;
}

/** strtol(s, &end, 0) for a whole string: optional sign, 0x / 0 prefixes; null when anything is left over. */
function strtolWhole(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const digits = m[2]!;
  const v = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits.startsWith('0') ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  // The id field is an unsigned int: what strtol gives is kept modulo 2^32.
  return Number(BigInt.asUintN(32, m[1] === '-' ? -v : v));
}

/** xs_strings_to_perms(): one perm per string, or null (EINVAL) for a bad letter or domain id. */
export function parsePerms(strings: readonly string[]): XsPerm[] | null {
  const out: XsPerm[] = [];
  for (const s of strings) {
    const access = LETTER[s.charAt(0)];
    const rest = s.slice(1);
    if (!access || rest === '') return null;
    const id = strtolWhole(rest);
    if (id === null) return null;
    out.push({ id, ...access });
  }
  return out;
}
