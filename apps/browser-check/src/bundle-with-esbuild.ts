import { relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { measureJs, type BundleReport } from './bundle-report';

interface EsbuildFailure {
  errors?: { text: string }[];
  warnings?: { text: string }[];
}

/**
 * Bundles `entry` with esbuild's JS API for the browser (`platform: 'browser'`, ESM, minified, in
 * memory, with code splitting, as an application that loads backends on demand builds it):
 * packages resolve through their `browser` export condition to their built files. Besides the
 * totals, reports the JavaScript a page loads before any dynamic `import()` (the entry chunk and
 * the chunks it imports statically).
 */
export async function bundleWithEsbuild(entry: string): Promise<BundleReport & { initialGzipBytes: number }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    metafile: true,
    target: 'es2022',
    minify: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  }).catch((err: EsbuildFailure) => ({
    errors: err.errors ?? [{ text: String(err) }],
    warnings: err.warnings ?? [],
    outputFiles: [],
    metafile: undefined,
  }));
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  return {
    bundler: 'esbuild',
    errors: result.errors.map((m) => m.text),
    warnings: result.warnings.map((m) => m.text),
    files: result.outputFiles.map((f) => ({ name: f.path, bytes: f.contents.byteLength })),
    ...measureJs(js.map((f) => f.contents)),
    initialGzipBytes: result.metafile ? measureJs(initialChunks(result.metafile, entry, js)).gzipBytes : 0,
  };
}

/**
 * The outputs of a metafile that a page loads before any dynamic `import()`: the chunk of `entry`
 * (the entry point as given to esbuild, resolved from the working directory) and every chunk
 * reachable from it through static imports. The entry's chunk is found by name: esbuild gives the
 * chunk of every dynamic `import()` target an `entryPoint` too, listed in no set order.
 */
export function initialOutputs(metafile: Metafile, entry: string): Set<string> {
  const want = resolve(entry);
  const entries = Object.entries(metafile.outputs)
    .filter(([, o]) => o.entryPoint !== undefined && resolve(o.entryPoint) === want)
    .map(([out]) => out);
  const [entryOut] = entries;
  if (entryOut === undefined || entries.length > 1)
    throw new Error(`initialOutputs: expected one output for the entry ${entry}, found ${entries.length} (${entries.join(', ')}).`);
  const seen = new Set<string>();
  const visit = (out: string): void => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of metafile.outputs[out]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entryOut);
  return seen;
}

/** The contents of the {@link initialOutputs}. */
function initialChunks(metafile: Metafile, entry: string, js: readonly { path: string; contents: Uint8Array }[]): Uint8Array[] {
  const byName = new Map(js.map((f) => [relative(process.cwd(), f.path), f.contents]));
  return [...initialOutputs(metafile, entry)].map((out) => byName.get(out)).filter((c): c is Uint8Array => c !== undefined);
}
