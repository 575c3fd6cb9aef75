/**
 * `xenmem xs ls --socket S PATH [--json]`: a node's children in the daemon's xenstore, one per line in the
 * order they were created (`--json`: an array of names).
 */
import { CONST } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson } from '../output.js';
import { pathPayload, withXenstore } from '../xs-client.js';

export type XsLsOptions = CommandOptions<'xs ls'>;

export function runXsLs(o: XsLsOptions, io: Io): Promise<number> {
  return withXenstore(o.socket, 'xenmem xs ls', o.path, io, async (xs) => {
    const list = (await xs.request(CONST.xs_wire_type.directory, pathPayload(o.path), 'directory', o.path)).toString('utf8');
    const children = list === '' ? [] : list.slice(0, -1).split('\0');
    if (o.json) printJson(io, children);
    else for (const c of children) io.out(`${c}\n`);
    return EXIT_OK;
  });
}
