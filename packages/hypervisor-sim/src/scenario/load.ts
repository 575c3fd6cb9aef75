/**
 * Loading a scenario: read a .json or .yaml file, check its shape against scenario.schema.json (ajv),
 * then the rules JSON Schema cannot express (prepare.ts). Every problem comes back as `{ path, message }`
 * with the JSON path it concerns, e.g. `steps[3].first_pfn: "zz" must be …`; nothing here throws for a
 * bad file.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { InputError } from '@xenmem/abi-types';
import { prepareScenario, type PrepareResult, type ScenarioOverrides, type ScenarioProblem } from './prepare.js';
import type { Scenario } from './types.js';

/** The generated JSON Schema of the format (next to package.json, from src/ and dist/ alike). */
export const SCENARIO_SCHEMA_PATH = fileURLToPath(new URL('../../scenario.schema.json', import.meta.url));

/** A scenario that cannot be run: every problem with its path. */
export class ScenarioError extends InputError {
  /** Every problem found, each with its JSON path. */
  readonly problems: ScenarioProblem[];

  /** An error for the scenario read from `source` (a path, or "-" for stdin) with its `problems`. */
  constructor(source: string, problems: ScenarioProblem[]) {
    super('scenario', source, `is not a usable scenario:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

/** Formats a scenario problem as one line for people. */
export function formatProblem(p: ScenarioProblem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

// ajv's CommonJS export under NodeNext.
const Ajv = AjvModule as unknown as typeof AjvModule.default;
type JsonSchema = Record<string, unknown>;
let compiled: { validate: ReturnType<InstanceType<typeof Ajv>['compile']>; root: JsonSchema } | undefined;

function validator() {
  if (!compiled) {
    const root = JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8')) as JsonSchema;
    // discriminator: a step is checked against the kind its `op` names, not against every kind.
    const validate = new Ajv({ allErrors: true, strict: false, discriminator: true, verbose: true }).compile(root);
    compiled = { validate, root };
  }
  return compiled;
}

/** `/steps/3/type` → `steps[3].type` */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function resolveRef(root: JsonSchema, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) return schema;
  const def = (root.definitions as Record<string, JsonSchema>)[decodeURIComponent(ref.slice('#/definitions/'.length))];
  return def ? { ...def, ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$ref')) } : schema;
}

/** What a schema accepts, in words: `an integer ≥ 0 or text matching ^0x…$`. */
function describe(root: JsonSchema, raw: JsonSchema): string {
  const schema = resolveRef(root, raw);
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) return ((schema.anyOf ?? schema.oneOf) as JsonSchema[]).map((s) => describe(root, s)).join(' or ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  const words = types.map((t) => {
    switch (t) {
      case 'integer':
      case 'number': {
        const bounds = [schema.minimum !== undefined ? `≥ ${schema.minimum}` : '', schema.maximum !== undefined ? `≤ ${schema.maximum}` : ''].filter(Boolean).join(' and ');
        return `${t === 'integer' ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`;
      }
      case 'string':
        return schema.pattern ? `text matching ${schema.pattern}` : 'text';
      case 'boolean':
        return 'true or false';
      case 'array':
        return schema.items ? `a list of ${describe(root, schema.items as JsonSchema)}` : 'a list';
      case 'object':
        return 'an object';
      default:
        return t;
    }
  });
  return words.length ? words.join(' or ') : 'something else';
}

function value(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeAjvError(root: JsonSchema, e: ErrorObject): ScenarioProblem {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path, message: `missing required property "${params.missingProperty as string}"` };
    case 'additionalProperties': {
      const properties = (((e.parentSchema ?? {}) as JsonSchema).properties ?? {}) as Record<string, JsonSchema>;
      const known = Object.keys(properties);
      const op = properties.op?.const;
      const where = typeof op === 'string' ? `of a ${op} step` : 'here';
      const name = params.additionalProperty as string;
      return { path: path ? `${path}.${name}` : name, message: `unknown property${known.length ? ` (properties ${where}: ${known.join(', ')})` : ''}` };
    }
    case 'discriminator': {
      if (params.error === 'mapping') {
        const kinds = (((e.parentSchema ?? {}) as JsonSchema).oneOf as JsonSchema[]).flatMap((s) => {
          const op = (resolveRef(root, s).properties as Record<string, JsonSchema>).op!;
          return (op.const !== undefined ? [op.const] : (op.enum as unknown[])) as string[];
        });
        return { path: path ? `${path}.op` : 'op', message: `${value(params.tagValue)} is not a step (steps: ${kinds.join(', ')})` };
      }
      return { path: path ? `${path}.op` : 'op', message: 'must be the step\'s op, e.g. "set_mem_type"' };
    }
    case 'enum':
      return { path, message: `${value(e.data)} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'anyOf':
    case 'type':
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'const':
      return { path, message: `${value(e.data)} must be ${describe(root, (e.parentSchema ?? {}) as JsonSchema)}` };
    default:
      return { path, message: `${value(e.data)} ${e.message ?? e.keyword}` };
  }
}

/**
 * One problem per place. ajv reports each failing branch of a union: keep the deepest problems, and
 * where a union failed at its own level, one message saying what it accepts.
 */
function condense(root: JsonSchema, errors: ErrorObject[]): ScenarioProblem[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const kept = errors.filter((e) => {
    if (e.keyword === 'discriminator' && (e.params as { error?: string }).error === 'tag') return !errors.some((o) => o.keyword === 'required' && o.instancePath === e.instancePath);
    // An error inside a union's branch at the union's own place: the union's message says it better.
    const union = unions.find((u) => u !== e && e.schemaPath.startsWith(u.schemaPath.replace(/\/anyOf$/, '/anyOf/')));
    if (!union) return true;
    if (e.instancePath === union.instancePath) return false;
    return true;
  });
  // A union whose branch got further (deeper errors) is reported by those errors.
  const final = kept.filter((e) => e.keyword !== 'anyOf' || !kept.some((o) => o.instancePath.startsWith(e.instancePath + '/')));
  const seen = new Set<string>();
  return final.map((e) => describeAjvError(root, e)).filter((p) => !seen.has(p.path + '\n' + p.message) && seen.add(p.path + '\n' + p.message));
}

/** Checks a parsed document's shape and rules and builds its plan. Never throws for a bad document. */
export function validateScenario(doc: unknown, overrides: ScenarioOverrides = {}): PrepareResult {
  const { validate, root } = validator();
  if (!validate(doc)) return { ok: false, problems: condense(root, validate.errors ?? []) };
  return prepareScenario(doc as Scenario, overrides);
}

/** YAML integers arrive as bigints, so none is rounded: safe ones become numbers, the rest "0x…" text. */
function yamlInt(_key: unknown, v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v < 0n ? Number(v) : '0x' + v.toString(16);
}

/** Parses scenario text by its file type. */
export function parseScenarioText(
  text: string,
  kind: 'json' | 'yaml',
):
  | {
      /** The text parsed. */
      ok: true;
      /** The parsed document, not yet validated. */
      doc: unknown;
    }
  | {
      /** The text is not valid JSON or YAML. */
      ok: false;
      /** The syntax error, with its position. */
      problems: ScenarioProblem[];
    } {
  try {
    if (kind === 'json') return { ok: true, doc: JSON.parse(text) };
    return { ok: true, doc: parseYaml(text, yamlInt, { intAsBigInt: true, prettyErrors: true }) };
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(/:$/, '');
    return { ok: false, problems: [{ path: '', message: `not valid ${kind === 'json' ? 'JSON' : 'YAML'}: ${first}` }] };
  }
}

/** Reads, parses and checks a scenario file (.json, .yaml or .yml). Never throws for a bad file. */
export function loadScenarioFile(path: string, overrides: ScenarioOverrides = {}): PrepareResult {
  const ext = extname(path).toLowerCase();
  const kind = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : undefined;
  if (!kind) return { ok: false, problems: [{ path: '', message: `${path}: a scenario file ends in .json, .yaml or .yml` }] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  const parsed = parseScenarioText(text, kind);
  if (!parsed.ok) return parsed;
  return validateScenario(parsed.doc, overrides);
}
