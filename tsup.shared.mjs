// @ts-check
import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The build every published package uses: ESM and CJS bundles of `src/index.ts` (the Node entry)
 * with type declarations and source maps, for Node 20. Dependencies and peers stay external.
 *
 * With `browserEntry` (e.g. `src/browser.ts`), a second ESM bundle `dist/browser.js` (with
 * `dist/browser.d.ts`) is built for browsers: the package.json `browser` export condition points
 * at it, so bundlers (esbuild --platform=browser, vite, webpack 5) never see the Node-only modules
 * that only the Node entry imports.
 * @param {{ shims?: boolean, browserEntry?: string }} [options] `shims`: provide `import.meta.url`
 *   in the CJS build; `browserEntry`: source file of the browser entry.
 */
export function packageBuildConfig(options = {}) {
  const node = {
    entry: ['src/index.ts'],
    format: /** @type {import('tsup').Format[]} */ (['esm', 'cjs']),
    dts: true,
    sourcemap: true,
    clean: !options.browserEntry,
    target: 'node20',
    splitting: false,
    treeshake: true,
    shims: options.shims ?? false,
  };
  if (!options.browserEntry) return defineConfig(node);
  // Both builds run at once and write into dist/, so neither may clean it: clear it here, once.
  rmSync('dist', { recursive: true, force: true });
  const browser = {
    entry: { browser: options.browserEntry },
    format: /** @type {import('tsup').Format[]} */ (['esm']),
    dts: true,
    sourcemap: true,
    clean: false,
    platform: /** @type {const} */ ('browser'),
    target: 'es2022',
    splitting: false,
    treeshake: true,
  };
  return defineConfig([node, browser]);
}
