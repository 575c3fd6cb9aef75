/** docs/cli.md's text: the command reference, rendered from the full command tree, `--only`'s ids from @xenmem/bench. */
import { WORKLOAD_IDS } from '@xenmem/bench';
import { renderCliReference } from './cli-reference.js';
import { commandTree } from './command-tree.js';

export function cliReference(): string {
  return renderCliReference(commandTree({ benchIds: WORKLOAD_IDS }));
}
