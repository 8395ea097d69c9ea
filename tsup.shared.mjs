// @ts-check
import { defineConfig } from 'tsup';

/**
 * The build every published package uses: ESM and CJS bundles of `src/index.ts` with type
 * declarations and source maps, for Node 20. Dependencies and peers stay external.
 * @param {{ shims?: boolean }} [options] `shims`: provide `import.meta.url` in the CJS build.
 */
export function packageBuildConfig(options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    shims: options.shims ?? false,
  });
}
