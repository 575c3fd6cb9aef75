/**
 * `xenmem xs rm --socket S PATH [--json]`: removes a node and everything under it from the daemon's xenstore.
 * As xenstored answers: a node already gone is fine while its parent exists, otherwise ENOENT (exit 1).
 */
import { CONST } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';
import { pathPayload, withXenstore } from '../xs-client.js';

export type XsRmOptions = CommandOptions<'xs rm'>;

export function runXsRm(o: XsRmOptions, io: Io): Promise<number> {
  return withXenstore(o.socket, 'xenmem xs rm', o.path, io, async (xs) => {
    await xs.request(CONST.xs_wire_type.rm, pathPayload(o.path), 'rm', o.path);
    if (o.json) printJson(io, { path: o.path, removed: true });
    return EXIT_OK;
  });
}
