// `ait export --format safetensors`: the weights file in both layouts and the ait-model.json beside it.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeCheckpoint, initBackend, loadCheckpoint, readSafetensorsFile, type TensorValues } from '@ait/core';
import { buildModelForData, createModel } from '@ait/vision';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { CliError } from '../src/util/cli-error';
import type { SafetensorsExportInfo } from '../src/util/safetensors-export-info';
import { weightsToSafetensors } from '../src/util/safetensors-weights';
import { cli, TINY_AIT, trainTinyRun } from './helpers';

/** Every weight of a run's newest checkpoint as plain values, by name. */
async function checkpointWeights(run: string): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const r = await cli('inspect', run, '--backend', 'cpu', '--json');
  expect(r.code, r.err).toBe(0);
  const path = (JSON.parse(r.out) as { checkpoint: { path: string } }).checkpoint.path;
  const ckpt = await loadCheckpoint(path);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, t] of Object.entries(ckpt.weights)) out.set(name, { shape: [...t.shape], values: t.dataSync() as Float32Array });
  disposeCheckpoint(ckpt);
  return out;
}

function get(tensors: ReadonlyMap<string, TensorValues>, name: string): TensorValues {
  const t = tensors.get(name);
  if (!t) throw new Error(`no tensor "${name}"`);
  return t;
}

/** `x [rows, cols]` -> `[cols, rows]`. */
function transposed(x: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) out.push(x[r * cols + c] as number);
  return out;
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('ait export --format safetensors (tiny AiT on triangle, cpu)', () => {
  const dir = useTempDir('ait-export-st-');
  let run: string;
  beforeAll(async () => {
    run = await trainTinyRun(dir());
  });

  it('aitjs layout: every checkpoint weight under its name, bit for bit, and ait-model.json with the run', async () => {
    const out = join(dir(), 'aitjs');
    const r = await cli('export', run, '--format', 'safetensors', '--out', out, '--backend', 'cpu', '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { files: string[]; tensors: number; layout: string };
    expect(summary.files).toEqual([join(out, 'model.safetensors'), join(out, 'ait-model.json')]);
    expect(summary.layout).toBe('aitjs');
    const weights = await checkpointWeights(run);
    const file = await readSafetensorsFile(join(out, 'model.safetensors'));
    expect(summary.tensors).toBe(file.tensors.size);
    expect([...file.tensors.keys()].sort()).toEqual([...weights.keys()].sort());
    expect([...weights.keys()]).toContain('ait/block_0/gwl/priors'); // the memory travels with the weights
    for (const [name, w] of weights) {
      const t = get(file.tensors, name);
      expect(t.shape, name).toEqual(w.shape);
      expect(sameBits(t.values, w.values), `${name} bit-exact`).toBe(true);
    }
    expect(file.metadata).toMatchObject({ ait_layout: 'aitjs', ait_model: 'ait-tiny' });
    const info = JSON.parse(await readFile(join(out, 'ait-model.json'), 'utf8')) as SafetensorsExportInfo;
    const runJson = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({
      format: 'ait-cli/safetensors',
      formatVersion: 1,
      weights: 'model.safetensors',
      layout: 'aitjs',
      model: 'ait-tiny',
      family: 'ait',
      imageShape: [64, 64, 1],
      output: 'logits',
      extraInputs: [],
      config: { ...TINY_AIT, imageSize: 64, channels: 1, classes: 2, memoryMomentum: 0.9 },
      run: runJson,
    });
    expect(info.labelNames).toHaveLength(2);
    expect(info.official).toBeUndefined();
  });

  it('official layout: the state_dict of the official AiT (names, transposed Linear weights, memory, momentum, unused zeros)', async () => {
    const out = join(dir(), 'official');
    const r = await cli('export', run, '--format', 'safetensors', '--layout', 'official', '--out', out, '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('net.load_state_dict(safetensors.torch.load_file(');
    const weights = await checkpointWeights(run);
    const file = await readSafetensorsFile(join(out, 'model.safetensors'));
    expect(file.metadata).toMatchObject({
      format: 'pt',
      official_repository: 'yuweisunn/associative-transformer',
      official_commit: '107ae934f0cf98f000e437de6f6102dbcd5a329a',
      ait_layout: 'official',
    });
    // 32 AiT.js weights become 32 official tensors, plus the momentum buffer and the 4 unused parameters
    expect(file.tensors.size).toBe(weights.size + 1 + 4);
    const qkv = weights.get('ait/block_0/attn/qkv/kernel');
    const toQkv = get(file.tensors, 'transformer.layers.0.0.fn.to_qkv.weight');
    expect(qkv?.shape).toEqual([32, 96]);
    expect(toQkv.shape).toEqual([96, 32]);
    expect(sameBits(toQkv.values, transposed(qkv?.values ?? [], 32, 96))).toBe(true);
    const memory = get(file.tensors, 'transformer.layers.0.1.fn.memoryupdate.memory');
    expect(sameBits(memory.values, weights.get('ait/block_0/gwl/priors')?.values ?? [])).toBe(true);
    const beta = get(file.tensors, 'transformer.layers.0.1.fn.memoryupdate.beta');
    expect(beta.shape).toEqual([]);
    expect(beta.values[0]).toBeCloseTo(0.9, 7);
    const headNorm = get(file.tensors, 'mlp_head.0.weight');
    expect(sameBits(headNorm.values, weights.get('ait/head/norm/gamma')?.values ?? [])).toBe(true);
    const cnn = get(file.tensors, 'to_patch_embedding_cnn.0.weight');
    expect(cnn.shape).toEqual([768, 3, 5, 5]);
    expect(Array.from(cnn.values).every((v) => v === 0)).toBe(true);
    const info = JSON.parse(await readFile(join(out, 'ait-model.json'), 'utf8')) as SafetensorsExportInfo;
    expect(info.layout).toBe('official');
    expect(info.official).toMatchObject({
      repository: 'yuweisunn/associative-transformer',
      model: 'vit_hn.ViT with ait.ModularNN blocks',
      arguments: {
        file: 'vit_hn.py',
        image_size: 64,
        patch_size: 16,
        channels: 1,
        num_classes: 2,
        dim: 32,
        depth: 1,
        heads: 2,
        dim_head: 16,
        mlp_dim: 64,
        tokens: 16,
        pattern_size: 4,
        memory_dim: 8,
        memory_head: 2,
        bottleneck: 8,
        beta: 1,
        SA: true,
      },
    });
  });

  it('refuses what has no official counterpart, --layout without safetensors, and an occupied folder (exit 2, nothing written)', async () => {
    // a family without an official map (built here: the in-process name counter of such families would
    // keep a second model of the same process from restoring a checkpoint of the first)
    await initBackend({ backend: 'cpu' });
    const mixer = createModel('mlp-mixer-tiny', {});
    buildModelForData(mixer, { imageShape: [16, 16, 3], extraInputs: [] });
    const family = await weightsToSafetensors(mixer, 'official', 'mlp-mixer-tiny', 'mlp-mixer', {}).then(
      () => undefined,
      (err: unknown) => err,
    );
    mixer.dispose();
    expect(family).toBeInstanceOf(CliError);
    expect((family as CliError).exitCode).toBe(2);
    expect((family as CliError).message).toMatch(
      /mlp-mixer-tiny belongs to the mlp-mixer family.*official weight maps exist for the ait and vit families only\. Use --layout aitjs/,
    );
    // a family with a map, but a config the official code does not have (sine-cosine positions)
    const stem = join(dir(), 'positions');
    const sincos = join(dir(), 'sincos.json');
    const settings = { model: 'ait-tiny', dataset: 'triangle', trainSize: 16, testSize: 8, batchSize: 8, epochs: 1, backend: 'cpu' };
    await writeFile(sincos, JSON.stringify({ ...settings, modelConfig: { ...TINY_AIT, positionEmbedding: 'sincos' } }), 'utf8');
    const trained = await cli('train', '--config', sincos, '--out', join(dir(), 'sincos-run'), '--quiet');
    expect(trained.code, trained.err).toBe(0);
    const refused = await cli('export', join(dir(), 'sincos-run'), '--format', 'safetensors', '--layout', 'official', '--out', stem);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /--layout official: ait-tiny with this config has no counterpart in the official AiT code: positionEmbedding 'sincos'.*use 'none'\. Use --layout aitjs/,
    );
    expect(existsSync(stem)).toBe(false);
    const layers = await cli('export', run, '--layout', 'official', '--out', join(dir(), 'layers'));
    expect(layers.code).toBe(2);
    expect(layers.err).toMatch(/--layout applies to --format safetensors only/);
    const twice = join(dir(), 'twice');
    expect((await cli('export', run, '--format', 'safetensors', '--out', twice, '--backend', 'cpu')).code).toBe(0);
    const again = await cli('export', run, '--format', 'safetensors', '--out', twice, '--backend', 'cpu');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds model\.safetensors, ait-model\.json; give an empty or new folder/);
  });
});
