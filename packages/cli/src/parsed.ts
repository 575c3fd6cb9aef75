/**
 * What parsing the command line gives: the command and its options, one type per command (`Parsed`), read by
 * argv.ts, which fills them in, and by each command module, which takes its own (`CommandOptions<'…'>`). A module of
 * types and names only, so that the commands depend on it and not on the parser.
 */
import type { TargetName } from '@xenmem/codegen';
import type { DomainConfig } from '@xenmem/sim-protocol';
import type { DmArgs } from './dm-op-table.js';

/**
 * The result of parsing a `xenmem` command line: the command and its options, one branch per command. Option
 * values are as given (release and interface names are resolved by the command, which reports a bad one as a
 * usage error); numbers were parsed and range-checked here.
 */
export type Parsed =
  | {
      /** `xenmem abi types`: hvmmem_type_t's names and values at one interface version. */
      command: 'abi types';
      /** Its flags. */
      options: {
        /** `--iface`: the client's `__XEN_INTERFACE_VERSION__`, as 0x00040700 or a release name ("4.7"); absent: the latest. */
        iface?: string;
        /** `--json`: one JSON document on stdout instead of a table. */
        json: boolean;
      };
    }
  | {
      /** `xenmem abi diff A B`: the hvmmem and HVMOP names that appear, disappear or are renamed from A to B. */
      command: 'abi diff';
      /** Its arguments and flags. */
      options: {
        /** `<ifaceA>`: the interface version a client was compiled at before (0x… or a release name). */
        from: string;
        /** `<ifaceB>`: the interface version it is recompiled at. */
        to: string;
        /** `--json`: one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem abi layout STRUCT`: a struct's fields, offsets and sizes at one release. */
      command: 'abi layout';
      /** Its argument and flags. */
      options: {
        /** `<struct>`: a C struct name (xen_dm_op_set_mem_type) or an op name (set_mem_type, tried as xen_dm_op_ then xen_hvm_). */
        struct: string;
        /** `--xen`: the hypervisor release ("4.6" … "4.22"); absent: the latest. */
        xen?: string;
        /** `--json`: one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem abi check [NEW.json]`: a schema checked against the evolution rules, compared with a released schema. */
      command: 'abi check';
      /** Its argument and flags. */
      options: {
        /** `--base`: the released schema to compare with; absent: the newest snapshot in schema/released/. */
        base?: string;
        /** `[NEW.json]`: the schema to check; absent: schema/xen-abi.json. */
        next?: string;
        /** `--json`: one JSON document (the findings) on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem compat`: what a hypervisor release does with each memory type a client of one interface version sends. */
      command: 'compat';
      /** Its flags. */
      options: {
        /** `--iface` (required): the client's interface version, 0x00040600 or a release name. */
        iface: string;
        /** `--xen`: the hypervisor release; absent: the latest. */
        xen?: string;
        /** `--json`: one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem demo`: the story of HVMMEM_mmio_write_dm, release by release, run on the simulator. */
      command: 'demo';
      /** Its flags. */
      options: {
        /** `--json`: the steps as one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem bench`: the p2m cores (native addon against the TypeScript core) and the ioreq round trip, timed. */
      command: 'bench';
      /** Its flags. */
      options: {
        /** `--quick`: workloads whose cost grows with pages run 16× smaller (never retype-uniform). */
        quick: boolean;
        /** `--json`: the results as one JSON document on stdout. */
        json: boolean;
        /** `--only a,b`: run only these workload ids (split at commas, blanks dropped); absent: every workload. */
        only?: string[];
        /** `--check`: exit 1 when a figure misses its target (ioreq-roundtrip-daemon's and cli-startup's ratios, memory-16tib's limit). */
        check?: true;
      };
    }
  | {
      /** `xenmem run SCENARIO`: a scenario file run on the simulator, its expectations checked (exit 1 if one fails). */
      command: 'run';
      /** Its argument and flags. */
      options: {
        /** `<scenario>`: the scenario file (.json, .yaml). */
        scenario: string;
        /** `--xen`: the hypervisor release, overriding the file's `xen`. */
        xen?: string;
        /** `--iface`: the client's interface version, overriding the file's `iface`. */
        iface?: string;
        /** `--socket`: run on the simulator daemon at this Unix socket instead of in process (its release must be the scenario's). */
        socket?: string;
        /** `--keep`: with `--socket`, leave the domains the run created on the daemon (absent: they are destroyed when it ends). */
        keep?: true;
        /** `--json`: the result as one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem sim serve`: one simulated hypervisor served on a Unix socket until SIGINT/SIGTERM (docs/protocol.md). */
      command: 'sim serve';
      /** Its flags. */
      options: {
        /** `--socket` (required unless XENMEM_SOCKET is set): where the socket is created (mode 0600; a stale socket there is replaced). */
        socket: string;
        /** true when the socket path came from XENMEM_SOCKET, so that a refusal names the variable instead of `--socket`. */
        socketFromEnv?: true;
        /** `--xen`: the hypervisor release; absent: the latest. */
        xen?: string;
        /** `--domain SPEC`, repeatable: the domains created at start, in order (empty when none is given). */
        domains: DomainConfig[];
        /** `--trace FILE`: append one JSON line per hypercall, control call and ioreq to FILE. */
        trace?: string;
        /** `--state FILE`: keep the state in FILE, restored at start when it exists (`domains` then ignored), written after every change. */
        state?: string;
        /** false with `--no-shm`: the daemon offers no shared-memory transport; absent: offered where it loads. */
        shm?: false;
        /** `--shm-poll-us N` (0 … 1000): after posting an event to a doorbell, spin up to N µs for the answer; absent: 0. */
        shmPollUs?: number;
        /** `--xenstore PATH`: where the xenstore socket is created; absent: `<socket>.xenstore`. */
        xenstore?: string;
        /** `--json`: once listening, print one JSON line on stdout (socket, release, pid, xenstore) for scripts. */
        json?: true;
      };
    }
  | {
      /** `xenmem sim list`: the daemon's domains, with their vCPUs, size and ioreq servers. */
      command: 'sim list';
      /** Its flags. */
      options: {
        /** `--socket` (required unless XENMEM_SOCKET is set): the daemon's Unix socket. */
        socket: string;
        /** `--json`: one JSON array on stdout, one object per domain. */
        json: boolean;
      };
    }
  | {
      /** `xenmem sim exec`: a program run under the kernel-interface emulation against the daemon. */
      command: 'sim exec';
      /** Its flags and the program. */
      options: {
        /** `--socket` (required unless XENMEM_SOCKET is set): the daemon's Unix socket. */
        socket: string;
        /** `--caller N`: the domain the program acts as (default 0, the control domain). */
        caller: number;
        /** The program and its arguments (everything after the options, or after `--`). */
        command: string[];
      };
    }
  | {
      /** `xenmem sim create-domain`: a domain created on the daemon, pages 0 … max-gpfn as ram_rw. */
      command: 'sim create-domain';
      /** Its flags. */
      options: {
        /** `--socket` (required): the daemon's Unix socket. */
        socket: string;
        /** From `--domid`, `--max-gpfn` (required) and `--hap`, `--hvm`, `--vcpus`, `--dm` (the simulator's defaults when absent). */
        domain: DomainConfig;
        /** `--json`: one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem sim destroy-domain`: a domain ended on the daemon, its ioreq servers and claim with it. */
      command: 'sim destroy-domain';
      /** Its flags. */
      options: {
        /** `--socket` (required): the daemon's Unix socket. */
        socket: string;
        /** `--domid` (required): the domain, a u16 (the simulator refuses 0, the control domain). */
        domid: number;
        /** `--json`: one JSON document on stdout. */
        json: boolean;
      };
    }
  | {
      /** `xenmem sim inspect`: a domain's p2m runs, ioreq servers, rangesets, claim, entry_count and pending requests. */
      command: 'sim inspect';
      /** Its flags. */
      options: {
        /** `--socket` (required): the daemon's Unix socket. */
        socket: string;
        /** `--domid` (required): the domain, a u16. */
        domid: number;
        /** `--from PFN`: the text table shows the p2m runs that end at or after PFN (--json is never filtered). */
        from?: bigint;
        /** `--to PFN`: the text table shows the p2m runs that start at or before PFN. */
        to?: bigint;
        /** `--json`: the inspection as one JSON document on stdout (pfns as "0x…"). */
        json: boolean;
        /** `--svg FILE`: also write domainSvg's picture of the domain to FILE. */
        svg?: string;
      };
    }
  | {
      /** `xenmem gen`: bindings generated from the schema by a built-in target or a plugin (docs/codegen.md). */
      command: 'gen';
      /** Its flags. */
      options: GenOptions;
    }
  | {
      /** `xenmem dm OP`: one libxendevicemodel call (or get_mem_type) on the daemon. */
      command: 'dm';
      /** The op, the daemon, the caller and the op's flags. */
      options: DmOptions;
    }
  | {
      /** `xenmem xs read PATH`: a node's value from the daemon's xenstore. */
      command: 'xs read';
      /** Its argument and flags. */
      options: XsPathOptions;
    }
  | {
      /** `xenmem xs write PATH VALUE`: a node's value set in the daemon's xenstore. */
      command: 'xs write';
      /** Its arguments and flags. */
      options: XsPathOptions & {
        /** `<value>`: the value, as given. */
        value: string;
      };
    }
  | {
      /** `xenmem xs ls PATH`: a node's children. */
      command: 'xs ls';
      /** Its argument and flags. */
      options: XsPathOptions;
    }
  | {
      /** `xenmem xs rm PATH`: a node removed with everything under it. */
      command: 'xs rm';
      /** Its argument and flags. */
      options: XsPathOptions;
    }
  | {
      /** `xenmem xs watch PATH`: the changes at or under a path, as they happen. */
      command: 'xs watch';
      /** Its argument and flags. */
      options: XsPathOptions & {
        /** `--count N`: stop after N events (the first is the one every new watch fires at once); absent: until SIGINT/SIGTERM. */
        count?: number;
      };
    }
  | {
      /** `xenmem guest out|in|write|read`: one guest port or MMIO access on a vCPU, routed as the simulator routes it. */
      command: 'guest';
      /** The access and the daemon. */
      options: GuestAccessOptions;
    }
  | {
      /** `xenmem guest write-ram`: bytes written into a guest's RAM. */
      command: 'guest write-ram';
      /** Its flags. */
      options: GuestWriteRamOptions;
    }
  | {
      /** `xenmem guest read-ram`: bytes read from a guest's RAM. */
      command: 'guest read-ram';
      /** Its flags. */
      options: GuestReadRamOptions;
    }
  | {
      /** `xenmem completion SHELL`: a completion script for bash, zsh or fish, from the command definitions. */
      command: 'completion';
      /** Its argument. */
      options: {
        /** `<shell>`: bash, zsh or fish. */
        shell: 'bash' | 'zsh' | 'fish';
      };
    };

/** What every `xenmem xs` command takes. */
export interface XsPathOptions {
  /** `--socket` (required unless XENMEM_SOCKET is set): the daemon's main socket S; its xenstore is `S.xenstore`. */
  socket: string;
  /** `<path>`: a xenstore path, absolute or relative to /local/domain/0 (the CLI is domain 0). */
  path: string;
  /** `--json`: one JSON document on stdout. */
  json: boolean;
}

/** The options of `xenmem gen`. */
export interface GenOptions {
  /** What generates: a built-in target (`--target`), or a plugin command (`--plugin`), exactly one. */
  generator:
    | {
        /** `--target NAME`: a built-in target of @xenmem/codegen. */
        target: TargetName;
      }
    | {
        /** `--plugin CMD`: the plugin's command line, split at blanks and run without a shell. */
        plugin: string;
      };
  /** `--out DIR` (required): the output directory, created if missing. */
  out: string;
  /** `--schema FILE`: the user's schema, validated first; absent: the schema @xenmem/schema ships. */
  schema?: string;
  /**
   * `--iface V`: an interface version (0x… and 8 hex digits, a release name, or a decimal integer). A built-in
   * target generates what a client compiled at V sees; a plugin receives it as `options.iface`.
   */
  iface?: string;
  /** `--check`: write nothing; exit 1 and list the files when DIR differs from what would be generated. */
  check: boolean;
  /** `--plugin-timeout S` in milliseconds: a plugin still running after it is killed (default 30 s). */
  pluginTimeoutMs: number;
}

/** Options of `xenmem dm <op>`: one DM op sent to a simulator daemon, as parseArgv parses them. */
export interface DmOptions {
  /** The op's subcommand name (canonical, not an alias). */
  op: string;
  /** `host`: this Xen host (@xenmem/xen-host); `socket`: the simulator daemon at `socket`. */
  backend: 'host' | 'socket';
  /** Path of the simulator daemon's Unix socket to send the op to (with backend `socket`). */
  socket?: string;
  /** The domain the calls are made for (default 0, the control domain). */
  caller: number;
  /** Interface version names are encoded at (default: the latest). */
  iface?: string;
  /** Print the result as JSON on stdout instead of text. */
  json: boolean;
  /** The op's flags, parsed (keys as in dm-op-table.ts). */
  args: DmArgs;
}

/** The flags of `xenmem guest out|in|write|read`, as parsed. */
export interface GuestAccessOptions {
  /** The access: `out`/`in` a port, `write`/`read` a guest physical address. */
  kind: 'out' | 'in' | 'write' | 'read';
  /** `--socket` (or XENMEM_SOCKET): the daemon's Unix socket. */
  socket: string;
  /** `--domid`: the guest. */
  domid: number;
  /** `--port` or `--gpa`: where the access goes. */
  addr: bigint;
  /** `--size`: bytes per item. */
  size: 1 | 2 | 4 | 8;
  /** `--vcpu`: the vCPU making the access (default 0). */
  vcpu: number;
  /** `--value`: the data of a write (out/write without a buffer). */
  value?: bigint;
  /** `--count`: items of a rep string access (given with `buffer`). */
  count?: number;
  /** `--buffer-gpa`: the rep string access's buffer in guest RAM. */
  buffer?: bigint;
  /** `--timeout` in ms (default 10 000): how long to wait for a device model. */
  timeoutMs: number;
  /** `--json`: print `{ "outcome", "value", "ioreqs" }`. */
  json: boolean;
}

/** The flags of `xenmem guest write-ram`, as parsed. */
export interface GuestWriteRamOptions {
  /** `--socket` (or XENMEM_SOCKET): the daemon's Unix socket. */
  socket: string;
  /** `--domid`: the guest. */
  domid: number;
  /** `--gpa`: guest physical address of the first byte. */
  gpa: bigint;
  /** `--hex`: the bytes, lower-case hex, two digits a byte. */
  hex: string;
  /** `--json`: print `{ "domid", "gpa", "length" }`. */
  json: boolean;
}

/** The flags of `xenmem guest read-ram`, as parsed. */
export interface GuestReadRamOptions {
  /** `--socket` (or XENMEM_SOCKET): the daemon's Unix socket. */
  socket: string;
  /** `--domid`: the guest. */
  domid: number;
  /** `--gpa`: guest physical address of the first byte. */
  gpa: bigint;
  /** `--length`: how many bytes. */
  length: number;
  /** `--json`: print `{ "domid", "gpa", "hex" }`. */
  json: boolean;
}

/** The options of command `C` as parsed: the commands take these, declared once in {@link Parsed}. */
export type CommandOptions<C extends Parsed['command']> = Extract<Parsed, { command: C }>['options'];

/** Help, version or a usage error: print `stdout` and `stderr` as they are, then exit with `exit`. */
export interface ParseExit {
  /** The exit code: 0 after --help or --version, 2 for a usage error (unknown command or option, bad value, no command). */
  exit: number;
  /** What to print on stdout: the help or version text (empty for a usage error). */
  stdout: string;
  /** What to print on stderr: the usage error and "(run xenmem SUBCOMMAND --help for usage)" naming the command's own help (empty after --help/--version). */
  stderr: string;
}

/** The environment variable the commands that talk to a daemon read when `--socket` is not given. */
export const SOCKET_ENV = 'XENMEM_SOCKET';
