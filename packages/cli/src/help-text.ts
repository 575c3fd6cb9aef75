/**
 * The text `xenmem … --help` prints after the options, fitted to the terminal: prose is re-flowed to the width,
 * example commands stand in two columns when they fit and put their description under the command when they
 * don't, and literal blocks (a scenario file) are written narrow enough for 80 columns. Commander wraps the
 * option table itself; this is everything it does not wrap.
 */

/** A piece of after-help text: a paragraph to re-flow, a titled table of examples, or lines printed as they are. */
type Block = { prose: string } | { title: string; examples: readonly (readonly [command: string, what?: string])[] } | { literal: readonly string[] };

/** `text`'s words in lines of at most `width` columns, each line starting with `indent` (a longer word stands alone). */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && [...`${line} ${word}`].length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = line ? `${line} ${word}` : `${indent}${word}`;
  }
  if (line) lines.push(line);
  return lines;
}

function examples(rows: readonly (readonly [string, string?])[], width: number): string[] {
  // The command column is as wide as the longest command that leaves a description at least 24 columns.
  const fitting = rows.filter(([c, what]) => what !== undefined && 2 + c.length + 2 + 24 <= width);
  const column = Math.max(0, ...fitting.map(([c]) => c.length));
  return rows.flatMap(([command, what]) => {
    if (what === undefined) return [`  ${command}`];
    if (command.length <= column) {
      const [first = '', ...rest] = wrapWords(what, width - column - 4);
      return [`  ${command.padEnd(column)}  ${first}`, ...rest.map((l) => `${' '.repeat(column + 4)}${l}`)];
    }
    return [`  ${command}`, ...wrapWords(what, width, '      ')];
  });
}

/** The blocks as text for a terminal `width` columns wide, a blank line before each block. */
export function fitHelp(blocks: readonly Block[], width: number): string {
  const text = blocks.map((b) => ('prose' in b ? wrapWords(b.prose, width) : 'examples' in b ? [...wrapWords(b.title, width), ...examples(b.examples, width)] : b.literal).join('\n'));
  return `\n${text.join('\n\n')}\n`;
}

/** After `xenmem --help`: what each common command does, and the exit codes. */
export const TOP_HELP: readonly Block[] = [
  {
    title: 'Examples:',
    examples: [
      ['xenmem abi types --iface 0x00040600', 'hvmmem_type_t as a Xen 4.6 client sees it'],
      ['xenmem abi diff 4.6 4.7', 'what recompiling at 4.7 changes'],
      ['xenmem abi layout set_mem_type --xen 4.8', 'the HVMOP struct of 4.8'],
      ['xenmem compat --iface 4.6 --xen 4.22', "what Xen 4.22 does with a 4.6 client's numbers"],
      ['xenmem abi check', 'the schema against its newest released snapshot'],
      ['xenmem demo', 'the story of HVMMEM_mmio_write_dm'],
      ['xenmem run examples/design-gpu-claim.json', 'run a scenario file; exit 1 if an expectation fails'],
      ['xenmem gen --target python --out gen/python', 'the Python package xenmem_abi (xenmem gen --help)'],
      ['eval "$(xenmem completion bash)"', 'tab completion in bash (zsh, fish too)'],
    ],
  },
  {
    title: 'With a simulator daemon (XENMEM_SOCKET stands for --socket in every command that talks to it):',
    examples: [
      ['xenmem sim serve --socket /tmp/xen.sock --domain domid=2,max-gpfn=0xfffff', 'a daemon with one domain (until Ctrl-C)'],
      ['export XENMEM_SOCKET=/tmp/xen.sock'],
      ['xenmem dm set-mem-type --domid 2 --first-pfn 0x100 --nr 16 --mem-type ram_ro'],
      ['xenmem dm get-mem-type --domid 2 --pfn 0x105 --json'],
      ['xenmem sim inspect --domid 2', "the domain's p2m, ioreq servers and claim"],
      ['xenmem sim list --json', "the daemon's domains"],
      ['xenmem run --socket $XENMEM_SOCKET examples/design-gpu-claim.json', 'the same scenario on the daemon'],
      ['xenmem xs read /local/domain/2/domid', "a value from the daemon's xenstore"],
    ],
  },
  { prose: 'Exit codes: 0 success, 1 failure (Xen error or rule violated), 2 usage error or unusable input.' },
];

/** After `xenmem run --help`: a scenario file. */
export const RUN_HELP: readonly Block[] = [
  { prose: `A scenario file (JSON or YAML; "$schema" may name @xenmem/hypervisor-sim's scenario.schema.json):` },
  {
    literal: [
      '  { "xen": "4.22", "domains": [{ "domid": 1, "maxGpfn": "0xfffff" }],',
      '    "steps": [',
      '      { "op": "set_mem_type", "domid": 1, "first_pfn": "0x100", "nr": 16,',
      '        "type": "ram_ro", "expect": { "ok": true } },',
      '      { "op": "get_mem_type", "domid": 1, "pfn": "0x100",',
      '        "expect": { "type": "ram_ro" } }] }',
    ],
  },
];

/** After `xenmem guest out|in|write|read --help`: what happens while no device model answers. */
export const PENDING_HELP: readonly Block[] = [
  {
    prose:
      'When no device model answers within --timeout, the command prints outcome "pending" and exits 1; the access ' +
      'stays pending on the daemon (xenmem sim inspect lists it), as a vCPU waiting for an ioreq stays blocked on Xen. ' +
      'A later access on that vCPU is refused (exit 1, naming the pending request): a blocked vCPU executes no ' +
      'instruction. When a device model answers later, the pending access completes on the daemon (a read\'s value goes ' +
      'nowhere) and the vCPU takes accesses again.',
  },
  { prose: 'Exit codes: 0 for outcomes ram, ioreq, null and discarded; 1 for pending, retry and crash; 2 for a bad flag.' },
];
