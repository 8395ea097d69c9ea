import { defineConfig } from 'tsup';

// The CLI is ESM only: a library entry (`index`) and the executable (`cli`, with a shebang).
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});
