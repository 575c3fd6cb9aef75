/** The Go module around package xenabi: go.mod (no dependencies) and the package documentation. */
import type { XenAbiSchema } from '@xenmem/schema';
import { newestRelease, releaseNames } from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from '../header.js';
import { GO_DIR, goFile } from './text.js';

export const GO_MODULE = 'github.com/xenmem/xenmem/bindings/go';
/** The `go` line: any Go from 1.21 on builds the module without downloading a toolchain. */
export const GO_VERSION = '1.21';

export function goModule(schema: XenAbiSchema): GeneratedFile[] {
  const releases = releaseNames(schema);
  const mod = { path: `${GO_DIR}/go.mod`, contents: `${generatedMarker('go', 'go')}\n\nmodule ${GO_MODULE}\n\ngo ${GO_VERSION}\n` };
  const doc = goFile('doc.go', [], [], [
    `// Package xenabi is Xen's HVM memory-type ABI as Go data, for Xen ${releases[0]} to ${newestRelease(schema)}:`,
    '// hvmmem_type_t names per interface version, what each release does with each hvmmem number,',
    '// HVMOP and DMOP numbers, constants, errno values, release-dependent limits, and byte-exact',
    '// little-endian codecs (Marshal/Unmarshal) for the dm_op structs, the HVMOP arguments, ioreq and',
    '// buf_ioreq, laid out as Xen\'s headers compile on x86_64.',
    '//',
    '// Every name is Xen\'s own where Xen has one (HVMOP_set_mem_type, IOREQ_TYPE_PIO, EINVAL); hvmmem',
    '// names are the short ones without the HVMMEM_ prefix ("mmio_write_dm", "unused").',
  ]);
  return [mod, doc];
}
