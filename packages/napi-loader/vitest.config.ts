import { defineConfig } from 'vitest/config';

// Forked processes, never worker threads: the tests load napi-rs loaders and addons, and each load runs in a
// child process of its own.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
