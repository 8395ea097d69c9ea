import { setFlagsFromString } from 'node:v8';
import type { WasmRevectorize } from './runtime-platform';

/** V8's flag for its WebAssembly revectorizer (128-bit SIMD pairs fused into 256-bit operations). */
export const REVECTORIZE_FLAG = '--experimental-wasm-revectorize';

/** The first V8 major version whose revectorizer @ait/core turns on (Node 24 has V8 13.6). */
export const REVECTORIZE_MIN_V8 = 13;

/** What {@link revectorizeDecision} looks at: this process's V8, Node, architecture and environment. */
export interface RevectorizeRuntime {
  /** `process.versions.v8`, e.g. `13.6.233.17-node.63`. */
  readonly v8: string;
  /** `process.version`, e.g. `v24.22.3`. */
  readonly node: string;
  /** `process.arch` (V8 revectorizes on x64 only). */
  readonly arch: string;
  /** The value of the environment variable `AIT_WASM_REVECTORIZE`, if set. */
  readonly env: string | undefined;
}

/**
 * What to do about V8's revectorizer in this runtime: which flag to set (`--experimental-wasm-revectorize`,
 * its `--no-` form when the user turned it off, or none) and the resulting {@link WasmRevectorize}.
 * On where V8 is 13 or newer on x64, unless `AIT_WASM_REVECTORIZE=0`. Pure: sets nothing.
 */
export function revectorizeDecision(runtime: RevectorizeRuntime): { flag: string | null; status: WasmRevectorize } {
  const major = Number.parseInt(runtime.v8, 10);
  const where = `V8 ${runtime.v8.split('-')[0] ?? runtime.v8} (Node ${runtime.node})`;
  const recent = Number.isFinite(major) && major >= REVECTORIZE_MIN_V8;
  if (runtime.env === '0') {
    return {
      // a flag given on the command line is turned off too (older V8 would not know the flag)
      flag: recent ? `--no-${REVECTORIZE_FLAG.slice(2)}` : null,
      status: { enabled: false, reason: `off: AIT_WASM_REVECTORIZE=0 (${where})` },
    };
  }
  if (!recent) {
    return {
      flag: null,
      status: { enabled: false, reason: `off: ${where} is older than V8 ${REVECTORIZE_MIN_V8}; Node 24 or newer has the revectorizer` },
    };
  }
  if (runtime.arch !== 'x64') {
    return { flag: null, status: { enabled: false, reason: `off: V8 revectorizes on x64 only (${where} on ${runtime.arch})` } };
  }
  return {
    flag: REVECTORIZE_FLAG,
    status: { enabled: true, reason: `on: ${where}, ${REVECTORIZE_FLAG} set at run time (AIT_WASM_REVECTORIZE=0 turns it off)` },
  };
}

let decided: WasmRevectorize | undefined;

/**
 * The Node entry's `RuntimePlatform.wasmRevectorize`: on the first call decides with
 * {@link revectorizeDecision} and sets V8's flag with `v8.setFlagsFromString` (it applies to
 * WebAssembly compiled afterwards, in this thread and in worker threads); later calls return the
 * same answer.
 */
export function nodeWasmRevectorize(): WasmRevectorize {
  if (decided) return decided;
  const { flag, status } = revectorizeDecision({
    v8: process.versions.v8,
    node: process.version,
    arch: process.arch,
    env: process.env.AIT_WASM_REVECTORIZE,
  });
  let result = status;
  if (flag !== null) {
    try {
      setFlagsFromString(flag);
    } catch (err) {
      result = { enabled: false, reason: `off: V8 refused ${flag} (${(err as Error).message})` };
    }
  }
  decided = result;
  return result;
}
