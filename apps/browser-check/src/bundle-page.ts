import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles `entry` for the browser with esbuild (platform browser, ESM) into `outDir/page.js`
 * beside an `index.html` that loads it, and copies @ait/core's tfjs-wasm binaries into
 * `outDir/wasm/`, where @ait/core's browser build looks for them by default (next to the bundle).
 * The packages resolve as a user's bundler resolves them: through their `browser` export
 * condition to their built `dist/browser.js`.
 */
export async function bundlePage(entry: string, outDir: string): Promise<void> {
  mkdirSync(join(outDir, 'wasm'), { recursive: true });
  const result = await build({
    entryPoints: { page: entry },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'silent',
  });
  if (result.errors.length > 0 || result.warnings.length > 0) {
    throw new Error(`bundling ${entry} failed: ${[...result.errors, ...result.warnings].map((m) => m.text).join('; ')}`);
  }
  writeFileSync(
    join(outDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>AiT.js browser check</title><script type="module" src="page.js"></script>\n',
  );
  const core = dirname(createRequire(import.meta.url).resolve('@ait/core/package.json'));
  for (const name of readdirSync(join(core, 'dist', 'wasm'))) copyFileSync(join(core, 'dist', 'wasm', name), join(outDir, 'wasm', name));
}
