/**
 * `xenmem xs read --socket S PATH [--json]`: a node's value from the daemon's xenstore, printed raw with a
 * newline as xenstore-read does (`--json`: `{ "path", "value" }`). A missing node: ENOENT, exit 1.
 */
import { CONST } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';
import { pathPayload, withXenstore } from '../xs-client.js';

export type XsReadOptions = CommandOptions<'xs read'>;

export function runXsRead(o: XsReadOptions, io: Io): Promise<number> {
  return withXenstore(o.socket, 'xenmem xs read', o.path, io, async (xs) => {
    const value = (await xs.request(CONST.xs_wire_type.read, pathPayload(o.path), 'read', o.path)).toString('utf8');
    if (o.json) printJson(io, { path: o.path, value });
    else io.out(`${value}\n`);
    return EXIT_OK;
  });
}
