import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MinimizerPlugin from 'minimizer-webpack-plugin';
import webpack, { type Chunk, type Compilation, type Module } from 'webpack';
import { measureJs, type BundleReport } from './bundle-report';

/** Runs one webpack compilation and resolves with it (errors and warnings included). */
function compile(config: webpack.Configuration): Promise<Compilation> {
  return new Promise((resolve, reject) => {
    webpack(config, (err, stats) => (err ? reject(err) : stats ? resolve(stats.compilation) : reject(new Error('webpack gave no stats'))));
  });
}

/** Every chunk an entry loads: its initial chunk and every chunk it may import later. */
function chunksOfEntries(compilation: Compilation): Map<string, Chunk[]> {
  const byEntry = new Map<string, Chunk[]>();
  for (const [name, entrypoint] of compilation.entrypoints) {
    byEntry.set(name, [...entrypoint.getEntrypointChunk().getAllReferencedChunks()]);
  }
  return byEntry;
}

/**
 * The entries a problem belongs to: those whose chunks hold the module it is about (an entry that
 * failed to resolve an import holds the importing module); a problem without a module, or with
 * one that no chunk holds, belongs to every entry.
 */
function entriesOf(problem: Error, compilation: Compilation, chunks: Map<string, Chunk[]>): string[] {
  const all = [...chunks.keys()];
  // webpack's problems are WebpackErrors, most with the module they are about
  const module = (problem as { module?: Module | null }).module;
  if (!module) return all;
  const holding = all.filter((name) => (chunks.get(name) ?? []).some((c) => compilation.chunkGraph.isModuleInChunk(module, c)));
  return holding.length > 0 ? holding : all;
}

/**
 * Bundles each of `entries` (name to file) with webpack 5's Node API (`target: 'web'`,
 * `mode: 'production'`), as one compilation with one entry per page, so the libraries every page
 * shares are parsed once; errors and warnings are reported per entry
 * (by the chunks that hold their module). Size hints are off: they are advice about tfjs' size,
 * not problems of the packages, and would otherwise be warnings on every page. Output is written
 * even when an entry has errors (`emitOnErrors`), so a failing page does not hide the others.
 *
 * Minified by esbuild through webpack's own minimizer plugin instead of its default terser: what
 * this checks (resolution, Node built-ins, the emitted .wasm assets) does not depend on the
 * minifier, and terser took most of the compilation's time (on CI's 2 cores, beside the other
 * packages' tests, the whole build ran past 300 s once). The JS sizes reported are esbuild's.
 */
export async function bundleWithWebpack(entries: Readonly<Record<string, string>>, context: string): Promise<Record<string, BundleReport>> {
  const out = mkdtempSync(join(tmpdir(), 'ait-webpack-'));
  try {
    const compilation = await compile({
      mode: 'production',
      target: 'web',
      context,
      entry: { ...entries },
      output: { path: out, filename: '[name].js' },
      performance: { hints: false },
      optimization: { emitOnErrors: true, minimizer: [new MinimizerPlugin({ minify: MinimizerPlugin.esbuildMinify })] },
    });
    const chunks = chunksOfEntries(compilation);
    const reports: Record<string, BundleReport> = {};
    for (const name of Object.keys(entries)) {
      const files = [...new Set((chunks.get(name) ?? []).flatMap((c) => [...c.files, ...c.auxiliaryFiles]))].sort();
      // webpack keeps only the sizes of emitted assets: read them back from the output folder
      const bytes = (file: string): Uint8Array => readFileSync(join(out, file));
      const mine = (problems: Error[]): string[] =>
        problems.filter((p) => entriesOf(p, compilation, chunks).includes(name)).map((p) => p.message);
      reports[name] = {
        bundler: 'webpack',
        errors: mine(compilation.errors),
        warnings: mine(compilation.warnings),
        files: files.map((file) => ({ name: file, bytes: bytes(file).byteLength })),
        ...measureJs(files.filter((f) => f.endsWith('.js')).map(bytes)),
      };
    }
    return reports;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
