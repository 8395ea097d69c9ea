// The pretrained models shipped in pretrained/: the manifest, the module map of src/ and the weight
// files agree, each model loads from its file; and the build step that turns weight files into the
// modules bundlers load on demand (scripts/pretrained-weight-modules.ts).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { listPretrained, loadPretrainedModel, parsePretrainedManifest, PretrainedModelError } from '../../src/index';
import { decodeBase64 } from '../../src/pretrained/base64';
import { SHIPPED_WEIGHT_MODULES } from '../../src/pretrained/shipped-weight-modules';
import { shippedWeightModulesSource, weightModuleImports, writeWeightModules } from '../../scripts/pretrained-weight-modules';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const PRETRAINED = fileURLToPath(new URL('../../pretrained/', import.meta.url));
const MODULES_FILE = fileURLToPath(new URL('../../src/pretrained/shipped-weight-modules.ts', import.meta.url));

describe('the shipped pretrained models', () => {
  it('manifest.json parses, listPretrained lists its models, and the module map of src/ is the one publish-pretrained writes for them', async () => {
    const manifest = parsePretrainedManifest(JSON.parse(await readFile(join(PRETRAINED, 'manifest.json'), 'utf8')), 'manifest.json');
    const names = manifest.models.map((m) => m.name).sort();
    expect(listPretrained().map((m) => m.name)).toEqual(names);
    expect(Object.keys(SHIPPED_WEIGHT_MODULES).sort()).toEqual(names);
    const expected = await format(shippedWeightModulesSource(names), {
      ...((await resolveConfig(MODULES_FILE)) ?? {}),
      filepath: MODULES_FILE,
    });
    expect(await readFile(MODULES_FILE, 'utf8')).toBe(expected);
    // the table the publish script checks runs against: the targets (Sort-of-CLEVR's
    // relational one on the binary questions, the reference code's relational questions)
    expect(manifest.targets).toEqual({
      triangle: { accuracy: 0.99 },
      mnist: { accuracy: 0.99 },
      'fashion-mnist': { accuracy: 0.9 },
      'sort-of-clevr': { questionTypes: { 'non-relational': 0.98, binary: 0.8 } },
    });
    for (const m of manifest.models) expect(m.meetsTarget, `${m.name} was published below its target`).toBe(true);
  });

  it.each(listPretrained().map((m) => m.name))(
    '%s: its weight file is the one the manifest records and loads into its model',
    async (name) => {
      const info = listPretrained().find((m) => m.name === name);
      if (!info) throw new Error(name);
      const bytes = new Uint8Array(await readFile(join(PRETRAINED, info.file)));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(info.sha256);
      const model = await loadPretrainedModel(name, { weights: async () => bytes });
      const [h, w, c] = info.input.imageShape;
      const inputs = [tf.zeros([1, h, w, c]), ...info.input.extraInputs.map((e) => tf.zeros([1, ...e.shape]))];
      const out = model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor;
      expect(out.shape).toEqual([1, info.input.classes]);
      tf.dispose([...inputs, out]);
      model.dispose();
    },
  );
});

describe('the build of the weight modules', () => {
  it('writes each weight file as a module whose base64 text is the file, and fails on a file the manifest does not record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ait-weight-modules-'));
    try {
      const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
      const entry = {
        name: 'tiny-test',
        file: 'tiny-test.safetensors',
        bytes: 300,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
      await writeFile(join(dir, 'manifest.json'), JSON.stringify({ models: [entry] }));
      await writeFile(join(dir, entry.file), bytes);
      const written = await writeWeightModules(dir, join(dir, 'out'));
      expect(written).toEqual([join(dir, 'out', 'tiny-test.cjs')]);
      const text = createRequire(import.meta.url)(join(dir, 'out', 'tiny-test.cjs')) as unknown;
      expect(typeof text).toBe('string');
      expect(Array.from(decodeBase64(text as string, 'the module'))).toEqual(Array.from(bytes));

      bytes[7] = 1;
      await writeFile(join(dir, entry.file), bytes);
      await expect(writeWeightModules(dir, join(dir, 'out'))).rejects.toThrow(/is not the file the manifest records for tiny-test/);
      await rm(join(dir, entry.file));
      await expect(writeWeightModules(dir, join(dir, 'out'))).rejects.toThrow(/needs .*tiny-test\.safetensors, which cannot be read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the esbuild plugin turns @ait/vision/pretrained/<name> into an external ./pretrained/<name>.cjs and refuses other names', () => {
    let resolver: ((args: { path: string }) => unknown) | undefined;
    const build = {
      onResolve: (_options: { filter: RegExp }, callback: (args: { path: string }) => unknown) => void (resolver = callback),
    };
    (weightModuleImports().setup as unknown as (b: typeof build) => void)(build);
    expect(resolver?.({ path: '@ait/vision/pretrained/ait-tiny-conv-mnist' })).toEqual({
      path: './pretrained/ait-tiny-conv-mnist.cjs',
      external: true,
    });
    expect(resolver?.({ path: '@ait/vision/pretrained/../secret' })).toMatchObject({
      errors: [{ text: expect.stringMatching(/does not name a pretrained model/) }],
    });
  });

  it('decodeBase64 names text that is not base64', () => {
    expect(() => decodeBase64('not base64!', 'the weight module of "x"')).toThrow(/the weight module of "x" is not valid base64/);
  });

  it('a manifest with a name twice, a malformed SHA-256 or another version is refused, naming the problem', () => {
    const entry = {
      name: 'x-y',
      preset: 'vit-tiny',
      family: 'vit',
      modelConfig: {},
      parameters: 1,
      input: { imageShape: [2, 2, 1], normalization: { mean: [0], std: [1] }, extraInputs: [], classes: 2, labelNames: ['a', 'b'] },
      dataset: { name: 'triangle', split: 'test', testSize: 1, plan: {} },
      accuracy: 1,
      target: null,
      meetsTarget: true,
      recipe: {},
      seed: 0,
      checkpoint: { epoch: 1, step: 1 },
      commit: 'c',
      file: 'x-y.safetensors',
      bytes: 1,
      sha256: 'a'.repeat(64),
    };
    const base = { format: 'ait-vision/pretrained', version: 1, targets: {}, models: [entry] };
    expect(parsePretrainedManifest(base, 'm.json').models).toHaveLength(1);
    expect(() => parsePretrainedManifest({ ...base, models: [entry, entry] }, 'm.json')).toThrow(
      /m\.json lists the pretrained model "x-y" twice/,
    );
    expect(() => parsePretrainedManifest({ ...base, models: [{ ...entry, sha256: 'abc' }] }, 'm.json')).toThrow(
      /m\.json is not a pretrained-model manifest \(models\.0\.sha256: 64 lower-case hex digits\)/,
    );
    expect(() => parsePretrainedManifest({ ...base, version: 2 }, 'm.json')).toThrow(PretrainedModelError);
  });
});
