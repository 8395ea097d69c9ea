// Every published library package bundles for the browser with esbuild, vite and webpack 5: no
// error and no warning at all (so none about Node built-ins), and @ait/core's tfjs-wasm binaries
// come along where the bundler handles `new URL(..., import.meta.url)` (vite, webpack). A page
// that does reach Node built-ins is the negative control: each bundler must report it, in words
// the Node-built-in pattern below recognises. Bundlers resolve the packages themselves (their
// `browser` export condition, built dist/ files), never through vitest's resolver.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleReport } from '../src/bundle-report';
import { bundleWithEsbuild } from '../src/bundle-with-esbuild';
import { bundleWithVite } from '../src/bundle-with-vite';
import { bundleWithWebpack } from '../src/bundle-with-webpack';

const PACKAGES = ['core', 'hopfield', 'vision', 'datasets'] as const;
/** The negative control: a page importing `node:fs` and `path`. */
const NODE_PAGE = 'node-builtins';
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, `${name}.js`);

/** How the three bundlers word a Node built-in that a browser bundle reached. */
const NODE_BUILTIN =
  /node:|Module not found|externalized for browser compatibility|__vite-browser-external|Could not resolve|\b(fs|path|crypto|os|module|url|worker_threads|zlib|stream|child_process)\b/;

/** Sizes in bytes of @ait/core's tfjs-wasm binaries, sorted: what a page must ship beside its JS. */
const coreWasm = join(dirname(createRequire(join(FIXTURES, 'x.js')).resolve('@ait/core/package.json')), 'dist', 'wasm');
const WASM_SIZES = readdirSync(coreWasm)
  .filter((f) => f.endsWith('.wasm'))
  .map((f) => statSync(join(coreWasm, f)).size)
  .sort((a, b) => a - b);
const wasmSizes = (report: BundleReport): number[] =>
  report.files
    .filter((f) => f.name.endsWith('.wasm'))
    .map((f) => f.bytes)
    .sort((a, b) => a - b);

const sizes: string[] = [];

function expectClean(report: BundleReport, name: string): void {
  const label = `${report.bundler} @ait/${name}`;
  expect(report.errors, label).toEqual([]);
  expect(
    report.warnings.filter((w) => NODE_BUILTIN.test(w)),
    `${label}: Node built-ins`,
  ).toEqual([]);
  expect(report.warnings, `${label}: any warning`).toEqual([]);
  expect(report.jsBytes, label).toBeGreaterThan(0);
  sizes.push(`| @ait/${name} | ${report.bundler} | ${report.jsBytes} | ${report.gzipBytes} |`);
}

// webpack builds every page in one compilation (the shared tfjs is parsed once: ~45 s instead of
// ~75 s for four separate builds), started by whichever webpack test comes first
let webpackRun: Promise<Record<string, BundleReport>> | undefined;
async function webpackReport(name: string): Promise<BundleReport> {
  webpackRun ??= bundleWithWebpack(Object.fromEntries([...PACKAGES, NODE_PAGE].map((n) => [n, fixture(n)])), FIXTURES);
  const report = (await webpackRun)[name];
  if (!report) throw new Error(`webpack reported nothing for ${name}`);
  return report;
}

afterAll(() => {
  if (sizes.length > 0)
    console.info(['| package | bundler | JS bytes (minified) | gzip bytes |', '|---|---|---|---|', ...sizes].join('\n'));
});

describe('bundling for the browser', () => {
  it('each bundler reports a page that reaches Node built-ins (negative control)', async () => {
    const esbuild = await bundleWithEsbuild(fixture(NODE_PAGE));
    expect(esbuild.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/Could not resolve "node:fs"/), expect.stringMatching(/Could not resolve "path"/)]),
    );
    const vite = await bundleWithVite(fixture(NODE_PAGE));
    expect(vite.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/"node:fs" has been externalized for browser compatibility/),
        expect.stringMatching(/"path" has been externalized/),
      ]),
    );
    const webpack = await webpackReport(NODE_PAGE);
    expect(webpack.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/Can't resolve 'path'/), expect.stringMatching(/"node:fs"/)]),
    );
    for (const report of [esbuild, vite, webpack]) {
      const problems = [...report.errors, ...report.warnings];
      expect(problems.length, report.bundler).toBeGreaterThan(0);
      expect(
        problems.every((p) => NODE_BUILTIN.test(p)),
        report.bundler,
      ).toBe(true);
    }
    // webpack compiles every page here at once (the later webpack tests reuse it): on CI's 2 cores,
    // beside other packages' tests, that took over 120 s with terser (about 4x the CPU time of the
    // esbuild minifier used now, src/bundle-with-webpack.ts)
  }, 300_000);

  it.each(PACKAGES)('@ait/%s with esbuild (platform browser)', async (name) => {
    const report = await bundleWithEsbuild(fixture(name));
    expectClean(report, name);
    // a page with @ait/hopfield and initBackend loads under 0.5 MB (500 KiB) of JavaScript after
    // gzip before a backend is chosen: tfjs included; the .wasm binaries and the backends that
    // initBackend imports on demand (WebGL, WebGPU: their own chunks) not
    sizes.push(`| @ait/${name} | esbuild, loaded before initBackend | | ${report.initialGzipBytes} |`);
    expect(report.initialGzipBytes).toBeGreaterThan(0);
    if (name === 'hopfield') expect(report.initialGzipBytes).toBeLessThan(500 * 1024);
  });

  it.each(PACKAGES)(
    '@ait/%s with vite',
    async (name) => {
      const report = await bundleWithVite(fixture(name));
      expectClean(report, name);
      // @ait/core's tfjs-wasm binaries are emitted as assets (new URL(..., import.meta.url))
      if (name !== 'datasets') expect(wasmSizes(report), `vite @ait/${name}`).toEqual(WASM_SIZES);
    },
    60_000,
  );

  it.each(PACKAGES)(
    '@ait/%s with webpack 5 (target web)',
    async (name) => {
      const report = await webpackReport(name);
      expectClean(report, name);
      if (name !== 'datasets') expect(wasmSizes(report), `webpack @ait/${name}`).toEqual(WASM_SIZES);
    },
    120_000,
  );
});
