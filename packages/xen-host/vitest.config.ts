import { defineConfig } from 'vitest/config';

// Forked processes, never worker threads: the transport is a Node addon (napi-rs), and its tests fork
// device-model processes of their own.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 60_000 },
});
