/**
 * The value types of scenario files: 64-bit values, counts, domids, release and interface-version text,
 * memory and p2m type names or numbers, server aliases, ports. Each carries the JSON Schema annotations
 * that scenario.schema.json is generated with (scenario/types.ts).
 */

/**
 * A 64-bit unsigned value: a number (exact up to 2^53) or `"0x…"` text (1 to 16 hex digits).
 * @TJS-type ["integer", "string"]
 * @pattern ^0x[0-9a-fA-F]{1,16}$
 * @minimum 0
 */
export type U64 = number | string;

/**
 * A non-negative integer.
 * @TJS-type integer
 * @minimum 0
 */
export type Uint = number;

/**
 * A return code: 0 or −errno.
 * @TJS-type integer
 * @maximum 0
 */
export type ReturnCode = number;

/**
 * A domain id (`domid_t`). 0 is the control domain; DOMID_SELF (0x7ff0 = 32752) is accepted where Xen
 * accepts it (get_mem_type).
 * @TJS-type integer
 * @minimum 0
 * @maximum 65535
 */
export type Domid = number;

/**
 * A Xen release, written major.minor, e.g. "4.22". Release names are strings ("4.10" is not 4.1).
 * @pattern ^[0-9]+\.[0-9]+$
 */
export type ReleaseText = string;

/**
 * An interface version: `"0x"` and exactly 8 hex digits (`"0x00040700"`), a release name (`"4.7"`: that
 * release's latest interface version), a decimal integer as text, or the number itself.
 * @TJS-type ["string", "integer"]
 * @pattern ^(0x[0-9a-fA-F]{8}|[0-9]+\.[0-9]+|[0-9]+)$
 * @minimum 0
 */
export type IfaceText = string | number;

/**
 * A 64-bit value (see U64), or null.
 * @TJS-type ["integer", "string", "null"]
 * @pattern ^0x[0-9a-fA-F]{1,16}$
 * @minimum 0
 */
export type U64OrNull = number | string | null;

/**
 * A count, or null.
 * @TJS-type ["integer", "null"]
 * @minimum 0
 */
export type UintOrNull = number | null;

/**
 * A memory type (hvmmem_type_t): a name at the step's interface version, e.g. "ram_ro", "ioreq_server",
 * "mmio_write_dm" (below 0x00040700 only), "unused" (from 0x00040700), checked against the version; or
 * the number, sent as is.
 * @TJS-type ["string", "integer"]
 * @pattern ^[a-z_][a-z0-9_]*$
 * @minimum 0
 */
export type MemTypeSpec = string | number;

/**
 * A memory type as get_mem_type reports it: its name at the step's interface version, null when the
 * number has no name there, or a number (compared with `mem_type`).
 * @TJS-type ["string", "integer", "null"]
 * @pattern ^[a-z_][a-z0-9_]*$
 * @minimum 0
 */
export type MemTypeResultSpec = string | number | null;

/**
 * An internal p2m type: a name at the scenario's release, with or without the `p2m_` prefix
 * ("ram_shared", "p2m_ram_paged", "mmio_write_dm" at 4.6/4.7, "ioreq_server" from 4.8), or its number 0–15.
 * @TJS-type ["string", "integer"]
 * @pattern ^[a-z_][a-z0-9_]*$
 * @minimum 0
 */
export type P2mTypeSpec = string | number;

/**
 * The alias a `create_ioreq_server` step gave its server with `as`.
 * @pattern ^[A-Za-z_][A-Za-z0-9_.-]*$
 */
export type ServerAlias = string;

/**
 * An ioreq server in an expectation: the alias a create step gave it, or its id.
 * @TJS-type ["string", "integer"]
 * @pattern ^[A-Za-z_][A-Za-z0-9_.-]*$
 * @minimum 0
 */
export type ServerSpec = string | number;

/**
 * An ioreq server's alias or id, or null for none.
 * @TJS-type ["string", "integer", "null"]
 * @pattern ^[A-Za-z_][A-Za-z0-9_.-]*$
 * @minimum 0
 */
export type ServerSpecOrNull = string | number | null;

/**
 * An I/O port, 0 … 0xffff: a number or `"0x…"` text.
 * @TJS-type ["integer", "string"]
 * @pattern ^0x[0-9a-fA-F]{1,4}$
 * @minimum 0
 * @maximum 65535
 */
export type Port = number | string;

/** Bytes per access item. */
export type AccessSize = 1 | 2 | 4 | 8;

/**
 * Bytes as a string of hex byte pairs without `0x`, first byte first: `"0c000000"` is the four bytes
 * 0c 00 00 00. `""` is no bytes.
 * @pattern ^([0-9a-fA-F]{2})*$
 */
export type HexBytes = string;
