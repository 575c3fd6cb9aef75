/**
 * docs/cli.md, the CLI reference: every command, its arguments, flags (required ones marked, the environment
 * variable a flag falls back to) and the exit codes, rendered from the command tree (./command-tree.ts).
 * `npm run docs:cli -w @xenmem/cli` writes it; test/cli-reference.test.ts fails when the file is stale.
 */
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../io.js';
import { allCommands, type CommandInfo, type FlagInfo } from './command-tree.js';

/** The exit codes every command uses, with what each means. */
export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: EXIT_OK, meaning: 'success (for `run`: every expectation held; `--help` and `--version` too)' },
  { code: EXIT_FAILURE, meaning: 'failure: Xen returned an error, an expectation or an evolution rule did not hold, the daemon could not be reached or started' },
  { code: EXIT_USAGE, meaning: 'usage error or unusable input: an unknown command or flag, a bad value, a scenario or schema that cannot be used, a refused control call' },
];

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const anchor = (c: CommandInfo) => c.path.replace(/ /g, '-');

function flagRows(flags: readonly FlagInfo[]): string[] {
  return flags.map((f) => {
    const notes = [f.required ? 'required' : '', f.env ? `env ${f.env}` : '', f.default !== undefined ? `default ${f.default}` : '', f.choices ? `one of ${f.choices.join(', ')}` : ''].filter(Boolean).join('; ');
    return `| \`${cell(f.flags)}\` | ${cell(f.description.replace(/ \(required\)$/, ''))} | ${cell(notes)} |`;
  });
}

function section(c: CommandInfo): string {
  const out = [`## ${c.path}`, '', c.description, '', '```', `${c.path} ${c.usage}`, '```', ''];
  if (c.aliases.length) out.push(`Also: ${c.aliases.map((a) => `\`${a}\``).join(', ')}.`, '');
  if (c.subcommands.length) {
    out.push('| command | what it does |', '|---|---|', ...c.subcommands.map((s) => `| [\`${s.path}\`](#${anchor(s)}) | ${cell(s.description)} |`), '');
  }
  if (c.arguments.length) {
    out.push('| argument | what it is |', '|---|---|', ...c.arguments.map((a) => `| \`${a.required ? `<${a.name}>` : `[${a.name}]`}\` | ${cell(a.description)}${a.choices ? ` (one of ${a.choices.join(', ')})` : ''} |`), '');
  }
  out.push('| flag | what it does | notes |', '|---|---|---|', ...flagRows(c.flags), '');
  if (c.inheritedFlags.length) out.push(`Accepted here too, before or after the subcommand name (flags of \`${c.path.split(' ').slice(0, -1).join(' ')}\`):`, '', '| flag | what it does | notes |', '|---|---|---|', ...flagRows(c.inheritedFlags), '');
  return out.join('\n');
}

/** The whole reference, as docs/cli.md holds it. */
export function renderCliReference(root: CommandInfo): string {
  const commands = allCommands(root);
  return [
    '# xenmem command-line reference',
    '',
    '<!-- Generated from the command definitions (packages/cli/src/argv.ts) by `npm run docs:cli -w @xenmem/cli`; do not edit. -->',
    '',
    '`xenmem --help` and `xenmem COMMAND --help` show the same on the terminal. Integers are decimal or `0x…`; 64-bit values',
    'are kept exact. With `--json` a command prints one JSON document on stdout (64-bit values as `"0x…"` strings); messages',
    'go to stderr. `xenmem completion bash|zsh|fish` prints a completion script built from the same definitions.',
    '',
    '## Exit codes',
    '',
    '| code | meaning |',
    '|---|---|',
    ...EXIT_CODES.map((e) => `| ${e.code} | ${e.meaning} |`),
    '',
    '## Environment',
    '',
    '| variable | read by |',
    '|---|---|',
    ...[...new Set(commands.flatMap((c) => c.flags.filter((f) => f.env).map((f) => f.env!)))].map((env) => `| \`${env}\` | ${commands.filter((c) => c.flags.some((f) => f.env === env)).map((c) => `\`${c.path}\``).join(', ')} (when the flag it stands for is not given) |`),
    '',
    ...commands.map(section),
  ].join('\n');
}
