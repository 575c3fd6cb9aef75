// The @xenmem/shm-transport consumer program of `npm run test:consumer` (plain ESM, no types): the native
// binary loads from the installed tarball, and a region made under /dev/shm is shared, detached on close and
// removed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { available, ShmRegion, unavailableReason } from '@xenmem/shm-transport';

assert.equal(available, true, `the native transport did not load: ${unavailableReason}`);
assert.equal(unavailableReason, null);
const path = `/dev/shm/xenmem-consumer-${process.pid}`;
const region = ShmRegion.create(path, 8192);
try {
  const other = ShmRegion.open(path);
  other.bytes[100] = 7;
  assert.equal(region.bytes[100], 7);
  assert.equal(other.signal(0), 1);
  assert.equal(region.wait(0, 0, 1000), 1);
  other.close();
  assert.equal(other.bytes.byteLength, 0);
} finally {
  region.unlink();
  region.close();
}
assert.equal(existsSync(path), false);
console.log('shm-transport consumer: ok');
