import { dirname } from 'node:path';
import { build, type Logger, type Rolldown } from 'vite';
import { measureJs, type BundleReport } from './bundle-report';

type Output = Rolldown.OutputChunk | Rolldown.OutputAsset;

/** A vite logger that keeps every warning and error instead of printing it. */
function capturingLogger(errors: string[], warnings: string[]): Logger {
  return {
    info: () => undefined,
    warn: (msg) => void warnings.push(msg),
    warnOnce: (msg) => void warnings.push(msg),
    error: (msg) => void errors.push(msg),
    clearScreen: () => undefined,
    hasErrorLogged: () => errors.length > 0,
    hasWarned: false,
  };
}

/**
 * Bundles `entry` with vite's `build()` JS API (production app build of one JavaScript entry,
 * minified, in memory, no config file), capturing vite's log and rolldown's warnings.
 *
 * Vite decides "production" from `process.env.NODE_ENV` alone, and only sets it when it is unset
 * (as `vite build` finds it); vitest sets it to `test`, which would give a development build:
 * packages resolved with the `development` condition and no warning for an externalised Node
 * built-in. So `NODE_ENV` is `production` while vite builds, and restored after.
 */
export async function bundleWithVite(entry: string): Promise<BundleReport> {
  const errors: string[] = [];
  const warnings: string[] = [];
  let output: Output[] = [];
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const result = await build({
      configFile: false,
      root: dirname(entry),
      logLevel: 'warn',
      customLogger: capturingLogger(errors, warnings),
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        rolldownOptions: {
          input: entry,
          preserveEntrySignatures: 'exports-only',
          onwarn: (warning) => void warnings.push(warning.message),
        },
      },
    });
    const outputs = Array.isArray(result) ? result : [result];
    output = outputs.flatMap((o) => ('output' in o ? o.output : []));
  } catch (err) {
    errors.push((err as Error).message);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const bytesOf = (o: Output): Uint8Array =>
    o.type === 'chunk' ? new TextEncoder().encode(o.code) : typeof o.source === 'string' ? new TextEncoder().encode(o.source) : o.source;
  return {
    bundler: 'vite',
    errors,
    warnings,
    files: output.map((o) => ({ name: o.fileName, bytes: bytesOf(o).byteLength })),
    ...measureJs(output.filter((o) => o.type === 'chunk').map(bytesOf)),
  };
}
