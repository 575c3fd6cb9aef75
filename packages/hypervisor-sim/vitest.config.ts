import { defineConfig } from 'vitest/config';

// Forked processes, never worker threads: the native p2m addon is a Node addon (napi-rs).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
