// `ait import`: export -> import round trips (bit-exact, both layouts), the official PyTorch fixture
// of @ait/vision through an imported run's checkpoint, fine-tuning with `ait train --resume`, and
// the errors (exit 2, nothing written).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  disposeCheckpoint,
  encodeSafetensors,
  initBackend,
  loadCheckpoint,
  readSafetensorsFile,
  setGlobalSeed,
  type TensorValues,
} from '@ait/core';
import { arrayDataset, type Dataset } from '@ait/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { planDataset } from '../src/util/dataset-choice';
import { writeImportedRun } from '../src/util/imported-run';
import { buildForData, createPreset, findPreset } from '../src/util/model-for-data';
import { restoreRun } from '../src/util/run-checkpoint';
import type { RunConfig } from '../src/util/run-config';
import { loadWeights, readWeightsFile } from '../src/util/safetensors-weights';
import { namedRecipe } from '../src/util/training-recipe';
import { cli, TINY_AIT, tinyConfigFile } from './helpers';

const FIXTURES = fileURLToPath(new URL('../../vision/test/fixtures/official-ait/', import.meta.url));

type Values = Map<string, { shape: number[]; values: Float32Array }>;

/** The weights of a checkpoint (a run's newest, or a .ckpt file), by name. */
async function checkpointWeights(target: string): Promise<{ path: string; step: number; weights: Values }> {
  const r = await cli('inspect', target, '--backend', 'cpu', '--json');
  expect(r.code, r.err).toBe(0);
  const path = (JSON.parse(r.out) as { checkpoint: { path: string } }).checkpoint.path;
  const ckpt = await loadCheckpoint(path);
  const weights: Values = new Map();
  for (const [name, t] of Object.entries(ckpt.weights)) weights.set(name, { shape: [...t.shape], values: t.dataSync() as Float32Array });
  const step = ckpt.position.step;
  disposeCheckpoint(ckpt);
  return { path, step, weights };
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectBitExact(
  a: ReadonlyMap<string, { values: ArrayLike<number> }>,
  b: ReadonlyMap<string, { values: ArrayLike<number> }>,
): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, t] of a) expect(sameBits(t.values, b.get(name)?.values ?? []), `${name} is bit-exact`).toBe(true);
}

/** The eval report of a run without the fields that name the checkpoint. */
async function evalReport(run: string): Promise<unknown> {
  const r = await cli('eval', run, '--backend', 'cpu', '--json');
  expect(r.code, r.err).toBe(0);
  const { checkpoint: _c, position: _p, ...report } = JSON.parse(r.out) as Record<string, unknown>;
  return report;
}

describe('ait import (tiny AiT on triangle, cpu)', () => {
  const dir = useTempDir('ait-import-');
  let run: string;
  let config: string;
  beforeAll(async () => {
    run = join(dir(), 'run');
    config = await tinyConfigFile(dir(), { epochs: 1 });
    const r = await cli('train', '--config', config, '--out', run, '--quiet');
    expect(r.code, r.err).toBe(0);
    for (const layout of ['aitjs', 'official']) {
      const e = await cli(
        'export',
        run,
        '--format',
        'safetensors',
        '--layout',
        layout,
        '--out',
        join(dir(), `export-${layout}`),
        '--backend',
        'cpu',
      );
      expect(e.code, e.err).toBe(0);
    }
  });

  for (const layout of ['aitjs', 'official'] as const) {
    it(`${layout} layout: export -> import -> export is bit-exact, and the imported run evaluates as the original`, async () => {
      const exported = join(dir(), `export-${layout}`, 'model.safetensors');
      const imported = join(dir(), `imported-${layout}`);
      const r = await cli('import', exported, '--out', imported, '--backend', 'cpu', '--json');
      expect(r.code, r.err).toBe(0);
      const summary = JSON.parse(r.out) as { layout: string; model: string; dataset: string; loaded: number; ignored: string[] };
      expect(summary).toMatchObject({ layout, model: 'ait-tiny', dataset: 'triangle', loaded: 32 });
      expect(summary.ignored).toEqual(
        layout === 'official' ? ['to_patch_embedding_cnn.0.weight', 'to_patch_embedding_cnn.0.bias', 'pos_embedding', 'cls_token'] : [],
      );
      // the imported checkpoint holds the original weights, memory included, bit for bit
      const original = await checkpointWeights(run);
      const back = await checkpointWeights(imported);
      expect(back.step).toBe(0);
      expectBitExact(back.weights, original.weights);
      // and exports to the same tensors again
      const again = join(dir(), `again-${layout}`);
      const e = await cli('export', imported, '--format', 'safetensors', '--layout', layout, '--out', again, '--backend', 'cpu');
      expect(e.code, e.err).toBe(0);
      expectBitExact((await readSafetensorsFile(join(again, 'model.safetensors'))).tensors, (await readSafetensorsFile(exported)).tensors);
      // the run folder works as any other: same eval report, the run's settings, the import record
      expect(await evalReport(imported)).toEqual(await evalReport(run));
      const runJson = JSON.parse(await readFile(join(imported, 'run.json'), 'utf8')) as Record<string, unknown>;
      expect(runJson).toEqual(JSON.parse(await readFile(join(run, 'run.json'), 'utf8')));
      const record = JSON.parse(await readFile(join(imported, 'import.json'), 'utf8')) as Record<string, unknown>;
      expect(record).toMatchObject({ format: 'ait-cli/import', layout, file: exported, loaded: 32 });
      expect(record.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it('without ait-model.json: --config or --model with --dataset, the layout read from the names', async () => {
    const bare = join(dir(), 'bare');
    await mkdir(bare);
    await copyFile(join(dir(), 'export-official', 'model.safetensors'), join(bare, 'weights.safetensors'));
    const withConfig = await cli(
      'import',
      join(bare, 'weights.safetensors'),
      '--config',
      config,
      '--out',
      join(dir(), 'from-config'),
      '--json',
    );
    expect(withConfig.code, withConfig.err).toBe(0);
    expect(JSON.parse(withConfig.out)).toMatchObject({ layout: 'official', modelFrom: `--config ${config}`, loaded: 32 });
    expectBitExact((await checkpointWeights(join(dir(), 'from-config'))).weights, (await checkpointWeights(run)).weights);
    // --model fits the preset to the data as `ait train` does; these weights are of other sizes
    const withModel = await cli(
      'import',
      join(bare, 'weights.safetensors'),
      '--model',
      'ait-tiny',
      '--dataset',
      'triangle',
      '--out',
      join(dir(), 'm'),
    );
    expect(withModel.code).toBe(2);
    expect(withModel.err).toMatch(/"transformer\.layers\.0\.0\.fn\.to_qkv\.weight" has shape \[96, 32\]; this config needs \[288, 96\]/);
    expect(withModel.err).toMatch(/Nothing was imported; give --config with the modelConfig of the official run: dim \(hidden_dim\)/);
    expect(existsSync(join(dir(), 'm'))).toBe(false);
    const noModel = await cli('import', join(bare, 'weights.safetensors'), '--out', join(dir(), 'x'));
    expect(noModel.code).toBe(2);
    expect(noModel.err).toMatch(/Say which model the weights in .*weights\.safetensors are for: --model <preset>/);
    const noData = await cli('import', join(bare, 'weights.safetensors'), '--model', 'ait-tiny', '--out', join(dir(), 'x'));
    expect(noData.code).toBe(2);
    expect(noData.err).toMatch(/Say which data set the model is for with --dataset/);
    expect(existsSync(join(dir(), 'x'))).toBe(false);
  });

  it('ait train --resume fine-tunes from the imported weights', async () => {
    const imported = join(dir(), 'fine-tune');
    expect((await cli('import', join(dir(), 'export-aitjs', 'model.safetensors'), '--out', imported, '--backend', 'cpu')).code).toBe(0);
    const start = await checkpointWeights(imported);
    // a learning rate so small that one AdamW step moves no weight by more than about 1e-9
    const r = await cli('train', '--resume', imported, '--max-steps', '1', '--lr', '1e-9', '--backend', 'cpu', '--quiet', '--json');
    expect(r.code, r.err).toBe(0);
    const tuned = await checkpointWeights(imported);
    expect(tuned.step).toBe(1);
    let moved = 0;
    for (const [name, w] of start.weights) {
      if (name.endsWith('/priors')) continue; // the memory follows its EMA update, not the optimiser
      const t = tuned.weights.get(name)?.values ?? new Float32Array();
      for (let i = 0; i < w.values.length; i++) moved = Math.max(moved, Math.abs((t[i] as number) - (w.values[i] as number)));
    }
    expect(moved).toBeLessThan(1e-6);
    // while a fresh model of the same config is far from them
    await initBackend({ backend: 'cpu' });
    setGlobalSeed(0);
    const runJson = JSON.parse(await readFile(join(imported, 'run.json'), 'utf8')) as RunConfig;
    const fresh = createPreset('ait-tiny', runJson.modelConfig);
    buildForData(fresh, { imageShape: [64, 64, 1], extraInputs: [] });
    const kernel =
      fresh.weights
        .find((w) => w.originalName === 'ait/patch_embed/proj/kernel')
        ?.read()
        .dataSync() ?? new Float32Array();
    const imported0 = start.weights.get('ait/patch_embed/proj/kernel')?.values ?? new Float32Array();
    expect(Math.max(...Array.from(kernel, (v, i) => Math.abs(v - (imported0[i] as number))))).toBeGreaterThan(1e-3);
    fresh.dispose();
  });

  it('errors: missing, unexpected and misshapen tensors, truncated files, families without an official map, an occupied --out', async () => {
    const source = await readSafetensorsFile(join(dir(), 'export-aitjs', 'model.safetensors'));
    const info = await readFile(join(dir(), 'export-aitjs', 'ait-model.json'), 'utf8');
    /** A folder with `tensors` as model.safetensors and the original ait-model.json beside it. */
    const variant = async (name: string, tensors: Map<string, TensorValues>): Promise<string> => {
      const folder = join(dir(), name);
      await mkdir(folder);
      await writeFile(join(folder, 'model.safetensors'), encodeSafetensors(Object.fromEntries(tensors)));
      await writeFile(join(folder, 'ait-model.json'), info, 'utf8');
      return join(folder, 'model.safetensors');
    };
    const out = join(dir(), 'never');

    const fewer = new Map(source.tensors);
    fewer.delete('ait/head/proj/bias');
    const missing = await cli('import', await variant('missing', fewer), '--out', out);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /does not fit ait-tiny with this config \(1 problem\): missing from the file: "ait\/head\/proj\/bias"\. Nothing was imported/,
    );

    const more = new Map(source.tensors);
    more.set('ait/extra/kernel', { dtype: 'float32', shape: [2], values: Float32Array.of(1, 2) });
    const unexpected = await cli('import', await variant('unexpected', more), '--out', out);
    expect(unexpected.code).toBe(2);
    expect(unexpected.err).toMatch(/in the file but not in the model: "ait\/extra\/kernel"/);

    const wider = join(dir(), 'wider.json');
    await writeFile(
      wider,
      JSON.stringify({ model: 'ait-tiny', dataset: 'triangle', testSize: 16, modelConfig: { ...TINY_AIT, dim: 48 } }),
      'utf8',
    );
    const shape = await cli('import', join(dir(), 'export-aitjs', 'model.safetensors'), '--config', wider, '--out', out);
    expect(shape.code).toBe(2);
    expect(shape.err).toMatch(/"ait\/patch_embed\/proj\/kernel" is \[256, 32\] in the file but \[256, 48\] in the model/);
    expect(shape.err).toMatch(
      /import it with the preset and model config it was trained with: `ait export` writes them to ait-model\.json/,
    );

    const bytes = await readFile(join(dir(), 'export-aitjs', 'model.safetensors'));
    const cut = join(dir(), 'truncated.safetensors');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const truncated = await cli('import', cut, '--config', config, '--out', out);
    expect(truncated.code).toBe(2);
    expect(truncated.err).toMatch(
      /Cannot import .*truncated\.safetensors: .*The file is damaged or not a safetensors file: export or copy it again/,
    );

    const family = await cli(
      'import',
      ...[join(dir(), 'export-official', 'model.safetensors'), '--layout', 'official', '--model', 'mlp-mixer-tiny'],
      ...['--dataset', 'triangle', '--out', out, '--backend', 'cpu'],
    );
    expect(family.code).toBe(2);
    expect(family.err).toMatch(/mlp-mixer-tiny belongs to the mlp-mixer family, and the official AiT code .* has no such model/);

    const wrongLayout = await cli('import', join(dir(), 'export-aitjs', 'model.safetensors'), '--layout', 'official', '--out', out);
    expect(wrongLayout.code).toBe(2);
    expect(wrongLayout.err).toMatch(
      /holds AiT\.js weight names \(e\.g\. "ait\/.*"\), not an official state_dict: import it with --layout aitjs/,
    );

    const occupied = await cli('import', join(dir(), 'export-aitjs', 'model.safetensors'), '--out', run);
    expect(occupied.code).toBe(2);
    expect(occupied.err).toMatch(/already holds a run; give a new or empty folder/);
    expect(existsSync(out)).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------------
// The official fixture of @ait/vision (official PyTorch modules run by
// packages/vision/scripts/reference/make-official-ait-fixture.py): imported through the CLI's own
// steps (preset + config, official weight map, a run's checkpoint) and run from that checkpoint as
// `ait eval` restores it.
// ------------------------------------------------------------------------------------------------

interface FixtureVariant {
  config: Record<string, number | boolean>;
}

const fixture = JSON.parse(await readFile(join(FIXTURES, 'fixture.json'), 'utf8')) as { variants: Record<string, FixtureVariant> };

/** The preset and overrides that build a fixture variant (see fixture.json). */
function fixtureModel(name: string): { preset: string; overrides: Record<string, unknown>; questions: boolean } {
  const c = (fixture.variants[name] as FixtureVariant).config;
  const base = {
    imageSize: c.image_size,
    patchSize: c.patch_size,
    channels: c.channels,
    classes: c.num_classes,
    dim: c.dim,
    depth: c.depth,
    numHeads: c.heads,
    headDim: c.dim_head,
    mlpDim: c.mlp_dim,
  };
  if (name === 'vit') return { preset: 'vit-tiny', overrides: base, questions: false };
  return {
    preset: 'ait-tiny',
    overrides: {
      ...base,
      memorySlots: c.pattern_size,
      memoryDim: c.memory_dim,
      memoryHeads: c.memory_head,
      topK: c.bottleneck,
      beta: c.beta,
      ...(c.questions === true ? { questionDim: 18 } : {}),
      ...(c.self_attention === true ? {} : { ablation: { noSelfAttention: true } }),
    },
    questions: c.questions === true,
  };
}

/** Largest |got - want| over the largest |want|. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return diff / scale;
}

describe('ait import of the official PyTorch fixture (official layout, cpu)', () => {
  const dir = useTempDir('ait-import-official-');
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  for (const name of Object.keys(fixture.variants)) {
    it(`${name}: the imported run's checkpoint gives the official logits of two passes in a row (relative error <= 1e-5)`, async () => {
      const { preset, overrides, questions } = fixtureModel(name);
      const extraInputs = questions ? [{ name: 'question', shape: [18] }] : [];
      const model = createPreset(preset, overrides);
      buildForData(model, { imageShape: [8, 8, 3], extraInputs });
      const file = join(FIXTURES, `${name}.weights.safetensors`);
      const weights = await readWeightsFile(file);
      const loaded = loadWeights(model, weights.tensors, 'official', file, preset, findPreset(preset).family);
      expect(loaded.official?.commit).toBe('107ae934f0cf98f000e437de6f6102dbcd5a329a');
      const plan = planDataset('triangle', { trainSize: 8, testSize: 8 });
      const runConfig: RunConfig = {
        format: 'ait-cli/run',
        version: 1,
        model: preset,
        modelConfig: overrides,
        dataset: plan,
        recipe: namedRecipe('preset', findPreset(preset), 'triangle'),
        seed: 0,
        checkpointEvery: null,
      };
      const runDir = join(dir(), name);
      await mkdir(runDir);
      await writeImportedRun(runDir, runConfig, model, {
        format: 'ait-cli/import',
        version: 1,
        file,
        sha256: '0'.repeat(64),
        layout: 'official',
        tensors: weights.tensors.size,
        loaded: loaded.loaded,
        ignored: [...loaded.ignored],
        modelFrom: 'test',
        time: new Date(0).toISOString(),
      });
      model.dispose();
      // restored as `ait eval` restores a run, with data of the fixture's shape in place of the run's
      const data: Dataset = {
        ...arrayDataset({
          name: 'official-fixture',
          imageShape: [8, 8, 3],
          images: new Float32Array(8 * 8 * 3),
          labels: [0],
          labelNames: ['0', '1', '2', '3', '4'],
          normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
        }),
        extraInputs,
      };
      const restored = await restoreRun(runDir, () => Promise.resolve(data), {}, 'cpu');
      const io = (await readSafetensorsFile(join(FIXTURES, `${name}.io.safetensors`))).tensors;
      for (const pass of [1, 2]) {
        const images = io.get(`pass${pass}.images`) as TensorValues;
        const questionValues = io.get(`pass${pass}.questions`);
        const logits = tf.tidy(() => {
          const nhwc = tf.transpose(tf.tensor(images.values, [...images.shape], 'float32'), [0, 2, 3, 1]);
          const x = questionValues ? [nhwc, tf.tensor(questionValues.values, [...questionValues.shape], 'float32')] : nhwc;
          return restored.model.apply(x, { training: false }) as tf.Tensor;
        });
        const error = relativeError(logits.dataSync(), (io.get(`pass${pass}.logits`) as TensorValues).values);
        logits.dispose();
        expect(error, `pass ${pass}`).toBeLessThanOrEqual(1e-5);
      }
      restored.model.dispose();
    });
  }

  it('through the command: a data set the fixture model does not fit is refused (exit 2), nothing written', async () => {
    const { overrides } = fixtureModel('ait');
    const config = join(dir(), 'fixture.json');
    await writeFile(config, JSON.stringify({ model: 'ait-tiny', dataset: 'triangle', testSize: 8, modelConfig: overrides }), 'utf8');
    const out = join(dir(), 'refused');
    const r = await cli('import', join(FIXTURES, 'ait.weights.safetensors'), '--config', config, '--out', out, '--backend', 'cpu');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(
      /The model \(ait-tiny\) does not fit data set triangle-test.* \(64 x 64 x 1 images, 2 classes\): the model has imageSize 8, the data 64 x 64; channels 3, the data 1; classes 5, the data 2/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
