import { defineConfig } from 'vitest/config';

// The tests of the repository's scripts (scripts/*.test.mjs). They run the scripts in child processes on
// temporary copies of the repository's files.
export default defineConfig({
  test: { include: ['*.test.mjs'], pool: 'forks', testTimeout: 60_000 },
});
