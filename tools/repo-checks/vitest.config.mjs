import { defineConfig } from 'vitest/config';

// Checks over the whole repository's files (import graph, Xen numbers outside generated code, citations).
// They read files only; nothing is built or run.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
