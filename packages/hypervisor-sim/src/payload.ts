/** Small helpers over a decoded op payload. */

/** Whether any explicit padding field (pad, pad0, pad1, pad[]) is non-zero; Xen refuses those with EINVAL. */
export function nonZeroPad(payload: Record<string, unknown>): boolean {
  return Object.entries(payload).some(([k, v]) => k.startsWith('pad') && (Array.isArray(v) ? v.some((x) => x !== 0) : v !== 0));
}
