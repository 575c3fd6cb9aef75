/**
 * Picks the p2m core: `XENMEM_P2M=native|ts` forces one; otherwise the native addon if it loads, else
 * the TypeScript fallback with one warning line per process (the simulator stays usable without a
 * Rust toolchain, only slower on fragmented tables).
 */
import type { P2mCore } from './core.js';
import { BUILD_NATIVE_COMMAND, loadNativeP2mCore, NativeP2mUnavailableError } from './native-core.js';
import { tsP2mCore } from './ts-core.js';

/** The values XENMEM_P2M accepts. */
export const P2M_CORE_KINDS = ['native', 'ts'] as const;

let warned = false;

/**
 * The p2m core to use. `XENMEM_P2M=native` with an addon that cannot load throws
 * NativeP2mUnavailableError naming the cause; a value other than `native`, `ts` or empty throws
 * RangeError. `warn` receives the one fallback warning line (newline included).
 */
export function selectP2mCore(env: NodeJS.ProcessEnv = process.env, warn: (msg: string) => void = (msg) => process.stderr.write(msg)): P2mCore {
  const forced = env['XENMEM_P2M'];
  if (forced === 'ts') return tsP2mCore;
  if (forced === 'native') {
    try {
      return loadNativeP2mCore();
    } catch (err) {
      if (err instanceof NativeP2mUnavailableError) throw new NativeP2mUnavailableError(err.reason, { cause: err.cause }, 'XENMEM_P2M=native, but ');
      throw err;
    }
  }
  if (forced !== undefined && forced !== '') throw new RangeError(`XENMEM_P2M must be ${P2M_CORE_KINDS.join(' or ')} (or unset), got '${forced}'`);
  try {
    return loadNativeP2mCore();
  } catch (err) {
    if (!(err instanceof NativeP2mUnavailableError)) throw err;
    if (!warned) {
      warned = true;
      warn(`xenmem: using the TypeScript p2m core (slower on fragmented tables): the native one could not be loaded: ${err.reason}. Build it with \`${BUILD_NATIVE_COMMAND}\`, or set XENMEM_P2M=ts to choose the TypeScript core without this warning.\n`);
    }
    return tsP2mCore;
  }
}
