import { defineConfig } from 'vitest/config';

// Forked processes, never worker threads: the workloads load the simulator's Node addon (napi-rs).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
