// Every published library package bundles for the browser with esbuild, vite and webpack 5: no
// error, no warning (about Node built-ins or anything else), and @ait/core's tfjs-wasm binaries
// come along where the bundler handles `new URL(..., import.meta.url)` (vite, webpack).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleWithEsbuild, bundleWithVite, bundleWithWebpack, type BundleReport } from '../src/browser-bundlers';

const PACKAGES = ['core', 'hopfield', 'vision', 'datasets'] as const;
const entry = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));
const NODE_BUILTIN = /node:|Module not found|externalized for browser compatibility|__vite-browser-external|Could not resolve|\b(fs|path|crypto|os|module|url|worker_threads|zlib|stream)\b/;

function expectClean(report: BundleReport, name: string): void {
  const label = `${report.bundler} ${name}`;
  expect(report.errors, label).toEqual([]);
  expect(report.warnings.filter((w) => NODE_BUILTIN.test(w)), `${label}: Node built-ins`).toEqual([]);
  expect(report.warnings, label).toEqual([]);
  expect(report.files.length, label).toBeGreaterThan(0);
}

describe('bundling for the browser', () => {
  it.each(PACKAGES)('@ait/%s with esbuild (platform browser)', async (name) => {
    const report = await bundleWithEsbuild(entry(name));
    expectClean(report, name);
    // a page with @ait/hopfield and initBackend stays small: tfjs included, the .wasm not
    if (name === 'hopfield') expect(report.gzipBytes).toBeLessThan(500 * 1024);
  });

  it.each(PACKAGES)('@ait/%s with vite', async (name) => {
    const report = await bundleWithVite(entry(name));
    expectClean(report, name);
    if (name !== 'datasets') {
      // @ait/core's tfjs-wasm binaries are emitted as assets (new URL(..., import.meta.url))
      expect(report.files.some((f) => /tfjs-backend-wasm-simd.*\.wasm$/.test(f.name)), `vite ${name}`).toBe(true);
    }
  }, 120_000);

  it.each(PACKAGES)('@ait/%s with webpack 5 (target web)', async (name) => {
    const report = await bundleWithWebpack(entry(name));
    expectClean(report, name);
    if (name !== 'datasets') expect(report.files.some((f) => f.name.endsWith('.wasm')), `webpack ${name}`).toBe(true);
  }, 120_000);
});
