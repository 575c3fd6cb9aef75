/**
 * `xenmem xs write --socket S PATH VALUE [--json]`: sets a node's value in the daemon's xenstore, creating it
 * and its missing parents (as xenstore-write does; nothing printed, `--json`: `{ "path", "value" }`).
 */
import { CONST } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';
import { pathPayload, withXenstore } from '../xs-client.js';

export type XsWriteOptions = CommandOptions<'xs write'>;

export function runXsWrite(o: XsWriteOptions, io: Io): Promise<number> {
  return withXenstore(o.socket, 'xenmem xs write', o.path, io, async (xs) => {
    await xs.request(CONST.xs_wire_type.write, pathPayload(o.path, o.value), 'write', o.path);
    if (o.json) printJson(io, { path: o.path, value: o.value });
    return EXIT_OK;
  });
}
