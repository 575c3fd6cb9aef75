/**
 * `xenmem xs watch --socket S PATH [--count N] [--json]`: prints the path of every change at or under PATH in
 * the daemon's xenstore, starting with the event every new watch fires at once, until SIGINT/SIGTERM or N
 * events (`--json`: one `{ "path", "token" }` line per event). PATH may be @introduceDomain or @releaseDomain.
 */
import { CONST } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import type { CliEnv } from '../backend.js';
import { EXIT_OK, type Io } from '../io.js';
import { withXenstore } from '../xs-client.js';

export type XsWatchOptions = CommandOptions<'xs watch'>;

/** The watch's token: any string; this one names the command. */
const TOKEN = 'xenmem-xs-watch';

export function runXsWatch(o: XsWatchOptions, io: Io, env: CliEnv): Promise<number> {
  return withXenstore(o.socket, 'xenmem xs watch', o.path, io, async (xs) => {
    let seen = 0;
    let enough: () => void = () => {};
    const counted = new Promise<string>((resolve) => (enough = () => resolve('count')));
    xs.onEvent = (path, token) => {
      if (o.count !== undefined && seen >= o.count) return;
      seen++;
      io.out(o.json ? `${JSON.stringify({ path, token })}\n` : `${path}\n`);
      if (seen === o.count) enough();
    };
    const stopped = env.untilStopped();
    await xs.request(CONST.xs_wire_type.watch, Buffer.from(`${o.path}\0${TOKEN}\0`, 'utf8'), 'watch', o.path);
    await Promise.race([stopped, counted]);
    return EXIT_OK;
  });
}
