import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const browserEntry = fileURLToPath(new URL('../src/browser.ts', import.meta.url));

describe('browser entry', () => {
  it('bundles for the browser with esbuild: no Node built-in or Node-only package behind src/browser.ts', async () => {
    // A Node built-in (node:fs, zlib...) or a package that needs one (pngjs, tar) cannot be
    // resolved for platform 'browser': esbuild reports an error naming it.
    const result = await build({
      entryPoints: [browserEntry],
      platform: 'browser',
      bundle: true,
      write: false,
      format: 'esm',
      external: ['@tensorflow/*', '@ait/core'],
      logLevel: 'silent',
      metafile: true,
    }).catch((err: unknown) => {
      const failure = err as { errors?: { text: string }[]; warnings?: { text: string }[] };
      return { errors: failure.errors ?? [{ text: String(err) }], warnings: failure.warnings ?? [], metafile: undefined, outputFiles: [] };
    });
    expect(result.errors.map((e) => e.text)).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((path) => path.endsWith('src/synthetic/oriented-bars.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('src/pipeline/dataset-batch-source.ts'))).toBe(true);
    // Only @tensorflow/* and @ait/core come from packages, and they stay external.
    expect(inputs.filter((path) => path.includes('node_modules'))).toEqual([]);
    // Node globals resolve without an import, so esbuild cannot catch them: look for them in the code.
    const code = result.outputFiles.map((f) => f.text).join('\n');
    expect(code.match(/\b(?:Buffer|process)\s*\.|\brequire\s*\(|\b__(?:dirname|filename)\b/g) ?? []).toEqual([]);
  });
});
