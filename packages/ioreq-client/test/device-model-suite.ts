/**
 * The DeviceModel suite: every libxendevicemodel 1.4 call and get_mem_type, at 4.8 (HVMOP forms), 4.11 and
 * 4.22, over any backend that can also create domains. The in-process simulator runs it in
 * in-process.test.ts; the socket backend can run the same suite:
 *
 *   deviceModelSuite(async (release) => connectToDaemonAt(release));
 *
 * Each test gets a fresh backend from `makeBackend(release)`, creates its domains (1, 2, 5, 6; see
 * suite/fixture.ts) and records the hypercalls made, so the exact bytes are asserted whatever the backend.
 */
import { describe } from 'vitest';
import { SUITE_RELEASES, type MakeBackend, type SuiteRelease } from './suite/fixture.js';
import { handleTests } from './suite/handle.js';
import { ioreqServerTests } from './suite/ioreq-server.js';
import { memoryTests } from './suite/memory.js';
import { interruptTests } from './suite/interrupts.js';

export { SUITE_RELEASES, type MakeBackend, type SuiteBackend, type SuiteRelease } from './suite/fixture.js';

export function deviceModelSuite(makeBackend: MakeBackend, releases: readonly SuiteRelease[] = SUITE_RELEASES): void {
  for (const release of releases) {
    describe(`DeviceModel over Xen ${release}`, () => {
      handleTests(makeBackend, release);
      ioreqServerTests(makeBackend, release);
      memoryTests(makeBackend, release);
      interruptTests(makeBackend, release);
    });
  }
}
