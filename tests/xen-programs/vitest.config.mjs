import { defineConfig } from 'vitest/config';

// Unmodified Xen programs on the simulator: the C example device model (examples/c-device-model) and Debian's
// QEMU, each started under `xenmem sim exec` against a `xenmem sim serve` daemon per Xen release. They spawn
// processes only (forks); one file at a time, since each starts daemons and device models of its own.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 },
});
