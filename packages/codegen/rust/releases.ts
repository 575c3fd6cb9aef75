/**
 * Releases, interface versions and hypercalls: the `Release` enum (ordered as Xen's releases are), the
 * tools-op hypercall family of each release, `RELEASES` with what the schema records about each, and the
 * interface-version and hypercall-number constants.
 */

import { parseIfaceHex, releaseKey } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { rel, releaseVariant } from './exprs.js';
import { doc, hex32, pascal, prose, rustStr } from './text.js';

/** The `Release` and `ToolsOps` enums, `RELEASES`, and the interface-version and hypercall constants. */
export function releasesSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  const infos = ctx.releases.map((n) => s.releases.find((r) => r.name === n)!);
  items.claim('Release', 'the release enum');
  items.claim('ToolsOps', 'releases[].toolsOps');
  items.claim('ReleaseInfo', 'releases[]');
  items.claim('RELEASES', 'releases[]');
  const families = [...new Set(infos.map((r) => r.toolsOps))];
  const hypercallOf = (family: string) => {
    const h = s.hypercalls.find((c) => c.name === family);
    if (h === undefined) throw new Error(`releases name the tools-op family "${family}", which hypercalls[] does not list`);
    return h;
  };
  const out: string[] = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// Releases and interface versions',
    '',
    '/// A Xen release the schema covers. The number is major × 1000 + minor, so releases order as Xen\'s do',
    '/// ("4.10" comes after "4.9").',
    '///',
    '/// schema: `releases`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]',
    '#[repr(u16)]',
    'pub enum Release {',
  ];
  for (const r of infos)
    out.push(
      ...doc('    ', [`Xen ${r.name}, tagged ${r.date}; its headers are at interface version ${r.latestInterfaceVersion}.`], `releases[name=${r.name}]`),
      `    ${releaseVariant(r.name)} = ${releaseKey(r.name)},`,
    );
  out.push(
    '}',
    '',
    '/// The hypercall family that carries the device-model ("tools") ops of a release. The number is the',
    "/// hypercall's.",
    '///',
    '/// schema: `releases[].toolsOps`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    '#[repr(u32)]',
    'pub enum ToolsOps {',
  );
  for (const f of families) {
    const h = hypercallOf(f);
    out.push(...doc('    ', [`The ops travel as \`${h.cName}\`.`], `hypercalls[name=${h.name}]`), `    ${pascal(f)} = ${h.value},`);
  }
  out.push(
    '}',
    '',
    'impl ToolsOps {',
    '    /// The hypercall number (`__HYPERVISOR_*`).',
    '    pub const fn hypercall(self) -> u32 {',
    '        self as u32',
    '    }',
    '}',
    '',
    '/// What the schema records about one release.',
    '///',
    '/// schema: `releases[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct ReleaseInfo {',
    '    /// The release.',
    '    pub release: Release,',
    '    /// Its name, e.g. "4.9". Always a string: "4.10" is not 4.1.',
    '    pub name: &\'static str,',
    '    /// Date of the RELEASE-x.y.0 tag commit, YYYY-MM-DD.',
    '    pub date: &\'static str,',
    "    /// `__XEN_LATEST_INTERFACE_VERSION__` in that release's `xen-compat.h`.",
    '    pub latest_interface_version: u32,',
    '    /// The hypercall family that carries the tools ops.',
    '    pub tools_ops: ToolsOps,',
    '    /// Whether the per-release behaviour tables (set_mem_type, transitions, get_mem_type) cover it.',
    '    pub behaviour_recorded: bool,',
    '}',
    '',
    '/// Every release of the schema, oldest first.',
    '///',
    '/// schema: `releases`',
    'pub const RELEASES: &[ReleaseInfo] = &[',
  );
  for (const r of infos)
    out.push(
      `    ReleaseInfo { release: ${rel(r.name)}, name: ${rustStr(r.name)}, date: ${rustStr(r.date)}, latest_interface_version: ${hex32(parseIfaceHex(r.latestInterfaceVersion))}, tools_ops: ToolsOps::${pascal(r.toolsOps)}, behaviour_recorded: ${r.behaviourRecorded} },`,
    );
  out.push(
    '];',
    '',
    'impl Release {',
    '    /// Every release, oldest first.',
    `    pub const ALL: &'static [Release] = &[${infos.map((r) => rel(r.name)).join(', ')}];`,
    '',
    '    /// The newest release of the schema.',
    `    pub const LATEST: Release = ${rel(ctx.newest)};`,
    '',
    '    /// What the schema records about this release.',
    "    pub const fn info(self) -> &'static ReleaseInfo {",
    '        &RELEASES[match self {',
    ...infos.map((r, i) => `            ${rel(r.name)} => ${i},`),
    '        }]',
    '    }',
    '',
    '    /// The release name, e.g. "4.9".',
    "    pub const fn name(self) -> &'static str {",
    '        self.info().name',
    '    }',
    '',
    "    /// `__XEN_LATEST_INTERFACE_VERSION__` of this release's headers.",
    '    pub const fn latest_interface_version(self) -> u32 {',
    '        self.info().latest_interface_version',
    '    }',
    '',
    '    /// The hypercall family that carries the tools ops in this release.',
    '    pub const fn tools_ops(self) -> ToolsOps {',
    '        self.info().tools_ops',
    '    }',
    '',
    '    /// The release called `name` ("4.9"), if the schema has it.',
    '    pub fn from_name(name: &str) -> Option<Release> {',
    '        match name {',
    ...infos.map((r) => `            ${rustStr(r.name)} => Some(${rel(r.name)}),`),
    '            _ => None,',
    '        }',
    '    }',
    '}',
    '',
    'impl core::fmt::Display for Release {',
    "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {",
    '        f.write_str(self.name())',
    '    }',
    '}',
    '',
  );
  const latest = Math.max(...infos.map((r) => parseIfaceHex(r.latestInterfaceVersion)));
  const newestWithLatest = infos.find((r) => parseIfaceHex(r.latestInterfaceVersion) === latest)!;
  out.push(
    ...doc(
      '',
      ['The newest interface version any release defines. A version above it is an error (Xen\'s headers stop the build).'],
      `releases[name=${newestWithLatest.name}].latestInterfaceVersion`,
    ),
    `pub const ${items.claim('XEN_LATEST_INTERFACE_VERSION', 'releases[].latestInterfaceVersion')}: u32 = ${hex32(latest)};`,
    '',
    ...doc('', [`What an undefined \`__XEN_INTERFACE_VERSION__\` means: ${prose(s.interfaceVersion.undefinedValue)}, the legacy interface.`], 'interfaceVersion.undefinedValue'),
    `pub const ${items.claim('XEN_INTERFACE_VERSION_UNDEFINED', 'interfaceVersion.undefinedValue')}: u32 = ${hex32(parseIfaceHex(s.interfaceVersion.undefinedValue))};`,
    '',
  );
  for (const h of s.hypercalls)
    out.push(...doc('', [`Hypercall number of \`${h.name}\`.`], `hypercalls[name=${h.name}]`), `pub const ${items.claim(h.cName, `hypercalls[name=${h.name}]`)}: u32 = ${h.value};`, '');
  return out;
}
