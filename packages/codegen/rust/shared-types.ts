/**
 * The head of the generated module: the `@generated` marker, the module docs, and the Rust types every
 * section uses (`ReleaseRange`, `IfaceRange`, `Visibility`, `Arch`).
 *
 * These types do not depend on the schema's data, so they are fixed text. They stay in the generated module
 * rather than in the hand-written lib.rs: the generated tables name them unqualified, and the crate's public
 * API (`xenmem_abi::ReleaseRange`, …) is the generated module re-exported.
 */

import { generatedMarker } from '../header.js';
import type { Ctx } from './context.js';
import { sentence } from './text.js';

/** The marker, the module's `//!` docs, its lint allowances, and the shared types, in that order. */
export function moduleHead(ctx: Ctx): string[] {
  return [
    generatedMarker('rust/index.ts', 'rust'),
    `//! Xen's HVM memory-type ABI as Rust data, generated from \`schema/xen-abi.json\`.`,
    '//!',
    `//! ${sentence(ctx.s.description)}`,
    '//!',
    "//! Names are Xen's own (`HVMMEM_unused`, `XEN_DMOP_set_mem_type`, `xen_dm_op_set_mem_type`), so the usual",
    '//! Rust case lints are off here. Struct layouts are those of x86_64, on every target: each is checked at',
    "//! compile time against the schema's size, alignment and field offsets.",
    '#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]',
    '',
    '/// Releases `from` … `to`, both inclusive.',
    '///',
    '/// schema: `ReleaseRange`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct ReleaseRange {',
    '    /// The first release of the range.',
    '    pub from: Release,',
    '    /// The last release of the range; `None` while the range still holds at the newest release.',
    '    pub to: Option<Release>,',
    '}',
    '',
    'impl ReleaseRange {',
    '    /// Whether `release` lies in this range.',
    '    pub const fn contains(&self, release: Release) -> bool {',
    '        let key = release as u16;',
    '        key >= self.from as u16',
    '            && match self.to {',
    '                Some(to) => key <= to as u16,',
    '                None => true,',
    '            }',
    '    }',
    '}',
    '',
    '/// Interface versions `from` (inclusive) up to `below` (exclusive).',
    '///',
    '/// schema: `IfaceRange`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct IfaceRange {',
    '    /// The first interface version of the range (0 when the schema gives no lower bound).',
    '    pub from: u32,',
    '    /// The first interface version past the range; `None` for no upper bound.',
    '    pub below: Option<u32>,',
    '}',
    '',
    'impl IfaceRange {',
    '    /// Whether interface version `iface` lies in this range.',
    '    pub const fn contains(&self, iface: u32) -> bool {',
    '        iface >= self.from',
    '            && match self.below {',
    '                Some(below) => iface < below,',
    '                None => true,',
    '            }',
    '    }',
    '}',
    '',
    "/// Where a name is visible in the newest Xen headers.",
    '///',
    '/// schema: `visibility`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub enum Visibility {',
    '    /// Visible to every includer.',
    '    Public,',
    '    /// Visible only to `__XEN__` and `__XEN_TOOLS__` builds.',
    '    Tools,',
    '    /// No longer in the newest headers.',
    '    Removed,',
    '}',
    '',
    '/// An architecture whose hypervisor implements a DM op.',
    '///',
    '/// schema: `dmops[].arch`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub enum Arch {',
    '    /// x86 (HVM and PVH guests).',
    '    X86,',
    '    /// Arm.',
    '    Arm,',
    '}',
  ];
}

export const VISIBILITY: Record<'public' | 'tools' | 'removed', string> = { public: 'Visibility::Public', tools: 'Visibility::Tools', removed: 'Visibility::Removed' };
export const ARCH: Record<'x86' | 'arm', string> = { x86: 'Arch::X86', arm: 'Arch::Arm' };
