import { build } from 'esbuild';
import { measureJs, type BundleReport } from './bundle-report';

interface EsbuildFailure {
  errors?: { text: string }[];
  warnings?: { text: string }[];
}

/**
 * Bundles `entry` with esbuild's JS API for the browser (`platform: 'browser'`, ESM, minified, in
 * memory): packages resolve through their `browser` export condition to their built files.
 */
export async function bundleWithEsbuild(entry: string): Promise<BundleReport> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  }).catch((err: EsbuildFailure) => ({
    errors: err.errors ?? [{ text: String(err) }],
    warnings: err.warnings ?? [],
    outputFiles: [],
  }));
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  return {
    bundler: 'esbuild',
    errors: result.errors.map((m) => m.text),
    warnings: result.warnings.map((m) => m.text),
    files: result.outputFiles.map((f) => ({ name: f.path, bytes: f.contents.byteLength })),
    ...measureJs(js.map((f) => f.contents)),
  };
}
