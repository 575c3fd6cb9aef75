/**
 * The `xenmem` command tree as plain data, read from the parser's own definitions (argv.ts), so that shell
 * completion and the CLI reference (docs/cli.md) list exactly the commands, arguments and flags the parser
 * accepts.
 */
import type { Command } from 'commander';
import { buildProgram, commandPath, type ParseContext } from '../argv.js';

/** One flag of a command. */
export interface FlagInfo {
  /** As help shows it: `--socket <path>`, `-V, --version`. */
  flags: string;
  /** The long name with its dashes: `--socket`. */
  long: string;
  /** What it does (with "(required)" for a required flag). */
  description: string;
  /** Whether it takes a value. */
  takesValue: boolean;
  /** It must be given (or come from `env`). */
  required: boolean;
  /** The environment variable read when the flag is absent. */
  env?: string;
  /** The values it accepts, when they are a fixed set. */
  choices?: readonly string[];
  /** Its default as help shows it. */
  default?: string;
}

/** One positional argument of a command. */
export interface ArgumentInfo {
  /** Its name: `scenario`. */
  name: string;
  /** What it is. */
  description: string;
  /** It must be given. */
  required: boolean;
  /** The values it accepts, when they are a fixed set. */
  choices?: readonly string[];
}

/** One command or command group. */
export interface CommandInfo {
  /** `xenmem sim inspect`. */
  path: string;
  /** Its last word: `inspect`. */
  name: string;
  /** Other names of the last word (`create` for `create-ioreq-server`). */
  aliases: readonly string[];
  /** What it does. */
  description: string;
  /** The usage line after the path: `[options] <scenario>`. */
  usage: string;
  arguments: readonly ArgumentInfo[];
  /** Its own flags (not its parents'). */
  flags: readonly FlagInfo[];
  /** Flags of parent commands it also accepts (`dm`'s `--socket` for `dm set-mem-type`). */
  inheritedFlags: readonly FlagInfo[];
  subcommands: readonly CommandInfo[];
}

const HELP_FLAG: FlagInfo = { flags: '-h, --help', long: '--help', description: 'display help for command', takesValue: false, required: false };

function flagsOf(cmd: Command): FlagInfo[] {
  const own = cmd.options
    .filter((o) => !o.hidden && o.long !== undefined)
    .map((o): FlagInfo => {
      const shown = o.defaultValueDescription ?? (o.defaultValue !== undefined && typeof o.defaultValue !== 'boolean' ? JSON.stringify(o.defaultValue) : undefined);
      return {
        flags: o.flags,
        long: o.long!,
        description: o.description,
        takesValue: o.required || o.optional,
        required: o.mandatory || o.description.endsWith('(required)'),
        ...(o.envVar !== undefined && { env: o.envVar }),
        ...(o.argChoices !== undefined && { choices: o.argChoices }),
        ...(shown !== undefined && { default: shown }),
      };
    });
  return [...own, HELP_FLAG];
}

function describe(cmd: Command): CommandInfo {
  const inherited: FlagInfo[] = [];
  for (let p = cmd.parent; p && p.parent; p = p.parent) inherited.push(...flagsOf(p).filter((f) => f !== HELP_FLAG));
  return {
    path: commandPath(cmd),
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: cmd.description(),
    usage: cmd.usage(),
    arguments: cmd.registeredArguments.map((a) => ({ name: a.name(), description: a.description, required: a.required, ...(a.argChoices !== undefined && { choices: a.argChoices }) })),
    flags: flagsOf(cmd),
    inheritedFlags: inherited,
    subcommands: cmd.commands.map(describe),
  };
}

/** The whole tree, from `xenmem` down (the root's flags are --version and --help). */
export function commandTree(context: ParseContext = {}): CommandInfo {
  return describe(buildProgram(() => undefined, { stdout: '', stderr: '' }, context));
}

/** Every command of the tree, depth first, the root first. */
export function allCommands(root: CommandInfo): CommandInfo[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}
