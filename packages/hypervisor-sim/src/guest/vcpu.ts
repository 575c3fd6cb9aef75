/**
 * A vCPU executes one instruction at a time: while it is blocked on an ioreq, a further access on the same
 * vCPU waits until the first completes (accesses on other vCPUs go ahead).
 */
import type { Domain } from '../domain.js';

export function onVcpu<T>(domain: Domain, vcpu: number, run: () => Promise<T>): Promise<T> {
  const before = domain.vcpuTail.get(vcpu) ?? Promise.resolve();
  const result = before.then(run);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  domain.vcpuTail.set(vcpu, tail);
  // Forget the chain once it is idle, so a long-lived domain does not hold every access.
  void tail.then(() => {
    if (domain.vcpuTail.get(vcpu) === tail) domain.vcpuTail.delete(vcpu);
  });
  return result;
}
