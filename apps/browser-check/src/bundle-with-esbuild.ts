import { relative } from 'node:path';
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
    initialGzipBytes: result.metafile ? measureJs(initialChunks(result.metafile, js)).gzipBytes : 0,
  };
}

/** The outputs of a metafile that a page loads before any dynamic `import()`: the entry chunk and every chunk reachable from it through static imports. */
export function initialOutputs(metafile: Metafile): Set<string> {
  const entryOut = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint !== undefined)?.[0];
  const seen = new Set<string>();
  const visit = (out: string): void => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of metafile.outputs[out]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  if (entryOut) visit(entryOut);
  return seen;
}

/** The contents of the {@link initialOutputs}. */
function initialChunks(metafile: Metafile, js: readonly { path: string; contents: Uint8Array }[]): Uint8Array[] {
  const byName = new Map(js.map((f) => [relative(process.cwd(), f.path), f.contents]));
  return [...initialOutputs(metafile)].map((out) => byName.get(out)).filter((c): c is Uint8Array => c !== undefined);
}
