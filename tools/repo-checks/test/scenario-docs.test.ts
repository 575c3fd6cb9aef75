/**
 * docs/scenarios.md describes every step op of the scenario format: the op list is read from the generated
 * scenario.schema.json (the `Step` union), so a step added to the format fails here until it is documented.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'packages/hypervisor-sim/scenario.schema.json'), 'utf8'));
const doc = readFileSync(join(ROOT, 'docs/scenarios.md'), 'utf8');

interface OpSchema { const?: string; enum?: string[] }
const stepOps: string[] = schema.definitions.Step.oneOf.flatMap((ref: { $ref: string }) => {
  const op: OpSchema = schema.definitions[ref.$ref.split('/').pop()!].properties.op;
  return op.const !== undefined ? [op.const] : (op.enum ?? []);
});
// An op is documented when a heading of docs/scenarios.md names it in backticks.
const headings = doc.split('\n').filter((l) => l.startsWith('#'));
const documented = (op: string) => headings.some((h) => h.includes(`\`${op}\``));

describe('docs/scenarios.md', () => {
  it('the schema has step ops to check', () => {
    expect(stepOps).toContain('set_mem_type');
    expect(stepOps).toContain('guest_write');
  });

  it.each(stepOps)('has a section for the step op %s', (op) => {
    expect(documented(op)).toBe(true);
  });

  it('documents $schema and every top-level field of a scenario file', () => {
    for (const field of Object.keys(schema.properties)) expect(doc).toContain(`| \`${field}\` |`);
  });
});
