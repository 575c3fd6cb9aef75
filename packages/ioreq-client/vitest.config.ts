import { defineConfig } from 'vitest/config';

// Forked processes, never worker threads: the simulator the tests run against loads a Node addon (napi-rs).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
