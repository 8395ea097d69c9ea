// @ait/vision's pretrained weights reach a browser bundle without an asset plugin, as chunks of
// their own: a page bundled with esbuild (code splitting, as bundlers-test pages are) loads none of
// them before it asks for a model, so the JavaScript it loads first does not grow by the weights.
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPretrained } from '@ait/vision';
import { build, type Metafile } from 'esbuild';
import { expect, it } from 'vitest';
import { initialOutputs } from '../src/bundle-with-esbuild';

const SCENARIO = fileURLToPath(new URL('../scenarios/pretrained-model.ts', import.meta.url));
const WEIGHT_MODULE = /[/\\]vision[/\\]dist[/\\]pretrained[/\\]([a-z0-9-]+)\.cjs$/;

it('each shipped weight module is a chunk of its own, loaded only through a dynamic import()', async () => {
  const shipped = listPretrained().map((m) => m.name);
  expect(shipped, '@ait/vision ships no pretrained model to check').not.toEqual([]);
  const result = await build({
    entryPoints: [SCENARIO],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    metafile: true,
    minify: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  const outputs = Object.entries(result.metafile.outputs);
  const weightChunks = outputs
    .map(([out, o]) => ({
      out,
      modules: Object.keys(o.inputs)
        .map((i) => WEIGHT_MODULE.exec(i)?.[1])
        .filter((n) => n !== undefined),
    }))
    .filter((c) => c.modules.length > 0);
  // every shipped model has its chunk, holding its weights alone
  expect(weightChunks.flatMap((c) => c.modules).sort()).toEqual([...shipped].sort());
  for (const c of weightChunks) expect(c.modules, basename(c.out)).toHaveLength(1);
  const initial = initialOutputs(result.metafile, SCENARIO);
  expect(weightChunks.filter((c) => initial.has(c.out)).map((c) => relative('out', c.out))).toEqual([]);
  // the sizes, for the record: what a page loads first, and what it loads on demand
  const bytes = (out: string): number => result.metafile.outputs[out]?.bytes ?? 0;
  const initialBytes = [...initial].reduce((s, o) => s + bytes(o), 0);
  const weightBytes = weightChunks.reduce((s, c) => s + bytes(c.out), 0);
  console.info(`pretrained check page: ${initialBytes} bytes before any import(), ${weightBytes} bytes of weight chunks on demand`);
  expect(initialBytes).toBeGreaterThan(0);
});

it('initialOutputs starts from the chunk of the entry, not from a dynamic import() target listed before it', () => {
  type Output = Metafile['outputs'][string];
  const output = (imports: Output['imports'], entryPoint?: string): Output => ({
    bytes: 1,
    inputs: {},
    imports,
    exports: [],
    ...(entryPoint !== undefined ? { entryPoint } : {}),
  });
  const metafile: Metafile = {
    inputs: {},
    outputs: {
      // esbuild lists dynamic import() targets with an entryPoint too, and may list them first
      'out/weights.js': output([{ path: 'out/shared.js', kind: 'import-statement' }], 'weights.cjs'),
      'out/page.js': output(
        [
          { path: 'out/shared.js', kind: 'import-statement' },
          { path: 'out/weights.js', kind: 'dynamic-import' },
        ],
        'pages/page.ts',
      ),
      'out/shared.js': output([]),
    },
  };
  expect([...initialOutputs(metafile, 'pages/page.ts')].sort()).toEqual(['out/page.js', 'out/shared.js']);
  expect([...initialOutputs(metafile, resolve('pages/page.ts'))].sort()).toEqual(['out/page.js', 'out/shared.js']);
  expect(() => initialOutputs(metafile, 'pages/other.ts')).toThrow(/expected one output for the entry pages\/other\.ts, found 0/);
});
