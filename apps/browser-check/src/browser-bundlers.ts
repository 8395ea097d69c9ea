import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build as viteBuild, type Logger, type Rollup } from 'vite';
import webpack from 'webpack';

/** What one bundler made of one entry. */
export interface BundleReport {
  readonly bundler: 'esbuild' | 'vite' | 'webpack';
  readonly errors: string[];
  readonly warnings: string[];
  /** Output files by name (JavaScript and assets) with their sizes in bytes. */
  readonly files: { name: string; bytes: number }[];
  /** Gzip size of the JavaScript output. */
  readonly gzipBytes: number;
}

function gzipOf(chunks: Uint8Array[]): number {
  return chunks.reduce((sum, c) => sum + gzipSync(c).byteLength, 0);
}

/** Bundles `entry` with esbuild for the browser (platform browser, ESM, minified). */
export async function bundleWithEsbuild(entry: string): Promise<BundleReport> {
  const result = await esbuild({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  }).catch((err: { errors?: { text: string }[]; warnings?: { text: string }[] }) => ({
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
    gzipBytes: gzipOf(js.map((f) => f.contents)),
  };
}

/** Bundles `entry` with vite's production build (library entry, ESM, minified), capturing its log. */
export async function bundleWithVite(entry: string): Promise<BundleReport> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = {
    info: () => undefined,
    warn: (msg) => void warnings.push(msg),
    warnOnce: (msg) => void warnings.push(msg),
    error: (msg) => void errors.push(msg),
    clearScreen: () => undefined,
    hasErrorLogged: () => errors.length > 0,
    hasWarned: false,
  };
  let output: (Rollup.OutputChunk | Rollup.OutputAsset)[] = [];
  try {
    const result = await viteBuild({
      configFile: false,
      root: join(entry, '..'),
      logLevel: 'warn',
      customLogger: logger,
      build: {
        write: false,
        minify: true,
        target: 'es2022',
        rollupOptions: {
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
  }
  const bytesOf = (o: Rollup.OutputChunk | Rollup.OutputAsset): Uint8Array =>
    o.type === 'chunk' ? new TextEncoder().encode(o.code) : typeof o.source === 'string' ? new TextEncoder().encode(o.source) : o.source;
  return {
    bundler: 'vite',
    errors,
    warnings,
    files: output.map((o) => ({ name: o.fileName, bytes: bytesOf(o).byteLength })),
    gzipBytes: gzipOf(output.filter((o) => o.type === 'chunk').map(bytesOf)),
  };
}

/** Bundles `entry` with webpack 5 (target web, production mode) into a temporary folder. */
export async function bundleWithWebpack(entry: string): Promise<BundleReport> {
  const out = mkdtempSync(join(tmpdir(), 'ait-webpack-'));
  try {
    const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) => {
      webpack(
        {
          mode: 'production',
          target: 'web',
          entry,
          context: join(entry, '..'),
          output: { path: out, filename: 'bundle.js' },
          // size hints are advice about tfjs' size, not problems of the packages
          performance: { hints: false },
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
    });
    const json = stats?.toJson({ all: false, errors: true, warnings: true, assets: true }) ?? {};
    const assets = json.assets ?? [];
    return {
      bundler: 'webpack',
      errors: (json.errors ?? []).map((e) => e.message),
      warnings: (json.warnings ?? []).map((w) => w.message),
      files: assets.map((a) => ({ name: a.name, bytes: a.size })),
      gzipBytes: 0,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
