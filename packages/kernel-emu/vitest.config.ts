import { defineConfig } from 'vitest/config';

// Forked processes, never worker threads: the tests spawn programs under LD_PRELOAD and native test binaries.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
