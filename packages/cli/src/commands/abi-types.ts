/**
 * `xenmem abi types [--iface V] [--json]`: hvmmem_type_t as a client built at interface version V sees it.
 */
import { hvmmemTypesAt, ifaceHex, LATEST_INTERFACE_VERSION, resolveIface } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type AbiTypesOptions = CommandOptions<'abi types'>;

export function runAbiTypes(opts: AbiTypesOptions, io: Io): number {
  const iface = opts.iface === undefined ? LATEST_INTERFACE_VERSION : resolveIface(opts.iface);
  const types = hvmmemTypesAt(iface);
  if (opts.json) {
    printJson(io, { iface: ifaceHex(iface), types });
    return EXIT_OK;
  }
  io.out(`hvmmem_type_t at interface version ${ifaceHex(iface)}\n\n`);
  io.out(table(['value', 'name', 'C name', 'semantics', 'meaning'], types.map((t) => [t.value, t.name, t.cName, t.semantics, t.description]), io.columns));
  return EXIT_OK;
}
