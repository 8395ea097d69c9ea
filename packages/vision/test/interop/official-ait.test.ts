// The weight map to the official PyTorch code of AiT (yuweisunn/associative-transformer), checked
// against outputs of the official modules themselves: the fixtures in
// test/fixtures/official-ait/ come from scripts/reference/make-official-ait-fixture.py (official
// classes run at a tiny size with torch; see the script for what stands in for hflayers and
// einops). CI has no Python: this test reads only the committed files. Forward values only: the
// official write updates the memory in place after its attention saved it (issue 23), so gradients
// are not compared.
import * as tf from '@tensorflow/tfjs-core';
import {
  applyStateUpdates,
  createForwardContext,
  decodeSafetensors,
  loadSafetensorsWeights,
  releaseAuxLosses,
  runWithForwardContext,
  setGlobalSeed,
  sumAuxLosses,
  type TensorValues,
} from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  aitJsToOfficialAit,
  aitJsToOfficialVit,
  AssociativeTransformer,
  loadOfficialSafetensors,
  officialAitToAitJs,
  officialAitWeightMap,
  officialVitToAitJs,
  toOfficialSafetensors,
  VisionTransformer,
  type AssociativeTransformerArgs,
  type VisionTransformerArgs,
} from '../../src/index';
import { useBackend } from '../helpers/backend';
import {
  expectSameTensors,
  fixtureTensor,
  nhwc,
  referenceFixtureFiles,
  RELATIVE_TOLERANCE,
  relativeError,
  release,
} from './reference-fixture';
import { dataParallelCheckpoint, expectRefusedConfigs, expectSameWeights, refusal, variantFiles } from './reference-checks';

interface VariantInfo {
  official_file: string;
  config: {
    image_size: number;
    patch_size: number;
    channels: number;
    num_classes: number;
    dim: number;
    heads: number;
    dim_head: number;
    mlp_dim: number;
    depth: number;
    batch: number;
    pattern_size?: number;
    memory_dim?: number;
    memory_head?: number;
    beta?: number;
    bottleneck?: number;
    questions: boolean;
    self_attention: boolean;
  };
  excluded_from_weights_file: Record<string, number[]>;
}

interface FixtureInfo {
  official_commit: string;
  torch_version: string;
  variants: Record<string, VariantInfo>;
}

const fixture = referenceFixtureFiles('official-ait');
const info = fixture.info<FixtureInfo>();

/** AssociativeTransformer options matching a fixture's official config. */
function aitArgs(v: VariantInfo, overrides: Partial<AssociativeTransformerArgs> = {}): AssociativeTransformerArgs {
  const c = v.config;
  return {
    ...vitArgs(v),
    memorySlots: c.pattern_size,
    memoryDim: c.memory_dim,
    memoryHeads: c.memory_head,
    topK: c.bottleneck,
    beta: c.beta,
    ...(c.questions ? { questionDim: 18 } : {}),
    ...(c.self_attention ? {} : { ablation: { noSelfAttention: true } }),
    ...overrides,
  };
}

function vitArgs(v: VariantInfo): VisionTransformerArgs {
  const c = v.config;
  return {
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
}

/** The official NCHW images of pass `p` as AiT.js's NHWC (and the questions, if any). */
function passInputs(io: ReadonlyMap<string, TensorValues>, p: number): tf.Tensor | tf.Tensor[] {
  const images = nhwc(fixtureTensor(io, `pass${p}.images`));
  const questions = io.get(`pass${p}.questions`);
  return questions ? [images, tf.tensor(questions.values, [...questions.shape], 'float32')] : images;
}

function disposeInputs(x: tf.Tensor | tf.Tensor[]): void {
  for (const t of Array.isArray(x) ? x : [x]) t.dispose();
}

/** The memory of every block of `model`. */
function memories(model: AssociativeTransformer): Float32Array[] {
  return model.blocks.map((b) => {
    const w = b.gwl.priorsWeight;
    if (!w) throw new Error('the block has no memory');
    return w.read().dataSync() as Float32Array;
  });
}

/** The largest relative errors of one pass: logits, memory (all blocks), balance loss. */
interface PassErrors {
  logits: number;
  memory: number;
  balance?: number;
}

function comparePass(model: AssociativeTransformer, io: ReadonlyMap<string, TensorValues>, p: number, training: boolean): PassErrors {
  const x = passInputs(io, p);
  let logits: tf.Tensor;
  let balance: number | undefined;
  if (training) {
    const ctx = createForwardContext(true);
    logits = runWithForwardContext(ctx, () => model.apply(x, { training: true }) as tf.Tensor);
    const total = sumAuxLosses(ctx);
    balance = relativeError(total.dataSync(), fixtureTensor(io, `pass${p}.balance_loss`));
    total.dispose();
    releaseAuxLosses(ctx);
    applyStateUpdates(ctx);
  } else {
    logits = model.apply(x, { training: false }) as tf.Tensor;
  }
  const errors: PassErrors = {
    logits: relativeError(logits.dataSync(), fixtureTensor(io, `pass${p}.logits`)),
    memory: Math.max(...memories(model).map((m, i) => relativeError(m, fixtureTensor(io, `pass${p}.memory.${i}`)))),
    ...(balance === undefined ? {} : { balance }),
  };
  logits.dispose();
  disposeInputs(x);
  return errors;
}

useBackend('cpu');

describe('official AiT fixtures', () => {
  it('come from the pinned official commit and are small', () => {
    expect(info.official_commit).toBe('107ae934f0cf98f000e437de6f6102dbcd5a329a');
    expect(info.torch_version).toMatch(/^\d+\.\d+/);
    expect(Object.keys(info.variants).sort()).toEqual(['ait', 'ait-clevr-no-self-attention', 'vit']);
  });
});

describe.each(['ait', 'ait-clevr-no-self-attention'])('official AiT weights (%s) in AiT.js', (variant) => {
  const v = info.variants[variant] as VariantInfo;
  const { io, weights, source } = variantFiles(fixture, variant);

  it('give the official logits and memory in evaluation, two passes in a row', () => {
    const model = new AssociativeTransformer(aitArgs(v));
    const report = loadOfficialSafetensors(model, weights(), { source });
    expect([...report.ignored].sort()).toEqual(['cls_token', 'pos_embedding']);
    for (const p of [1, 2]) {
      const e = comparePass(model, io, p, false);
      expect(e.logits, `pass ${p} logits`).toBeLessThan(RELATIVE_TOLERANCE);
      expect(e.memory, `pass ${p} memory`).toBeLessThan(RELATIVE_TOLERANCE);
    }
    release(model);
  });

  it('give the official balance loss, logits and memory in a training pass (write dropout 0, as the official evaluation)', () => {
    const model = new AssociativeTransformer(aitArgs(v, { writeDropout: 0 }));
    loadOfficialSafetensors(model, weights());
    for (const p of [1, 2]) {
      const e = comparePass(model, io, p, true);
      expect(e.logits, `pass ${p} logits`).toBeLessThan(RELATIVE_TOLERANCE);
      expect(e.memory, `pass ${p} memory`).toBeLessThan(RELATIVE_TOLERANCE);
      expect(e.balance, `pass ${p} balance loss`).toBeLessThan(RELATIVE_TOLERANCE);
    }
    release(model);
  });

  it('ignore the unused CNN stem the fixture leaves out, and a DataParallel "module." prefix', () => {
    const prefixed = dataParallelCheckpoint(fixture.tensors(`${variant}.weights.safetensors`), v.excluded_from_weights_file);
    const model = new AssociativeTransformer(aitArgs(v));
    const report = loadOfficialSafetensors(model, prefixed);
    expect([...report.ignored].sort()).toEqual([
      'cls_token',
      'pos_embedding',
      'to_patch_embedding_cnn.0.bias',
      'to_patch_embedding_cnn.0.weight',
    ]);
    const e = comparePass(model, io, 1, false);
    expect(e.logits).toBeLessThan(RELATIVE_TOLERANCE);
    release(model);
  });

  it('round trip official -> AiT.js -> official bit-exactly', () => {
    const official = fixture.tensors(`${variant}.weights.safetensors`);
    const model = new AssociativeTransformer(aitArgs(v));
    const aitjs = officialAitToAitJs(official, model.config);
    const back = aitJsToOfficialAit(aitjs, model.config, { unused: 'omit' });
    const unused = new Set(officialAitWeightMap(model.config).unused.map((u) => u.official));
    expectSameTensors(back, new Map([...official].filter(([n]) => !unused.has(n))));
    release(model);
  });
});

describe('AiT.js -> official -> AiT.js', () => {
  it.each(['ait', 'ait-clevr-no-self-attention'])('is bit-exact for the %s config (weights and memory)', async (variant) => {
    const v = info.variants[variant] as VariantInfo;
    setGlobalSeed(7);
    const model = new AssociativeTransformer(aitArgs(v, { memoryMomentum: 0.8 }));
    const x = passInputs(fixture.tensors(`${variant}.io.safetensors`), 1);
    (model.apply(x, { training: false }) as tf.Tensor).dispose(); // builds it and moves the memory
    disposeInputs(x);
    const bytes = await toOfficialSafetensors(model);
    const file = decodeSafetensors(bytes, 'exported');
    expect(file.metadata.official_commit).toBe('107ae934f0cf98f000e437de6f6102dbcd5a329a');
    expect(file.metadata.format).toBe('pt');
    // PyTorch's strict load_state_dict needs every official entry, the unused ones included.
    expect(file.tensors.get('to_patch_embedding_cnn.0.weight')?.shape).toEqual([768, 3, 5, 5]);
    expect(file.tensors.get('cls_token')?.shape).toEqual([1, 1, 16]);
    expect(file.tensors.get('transformer.layers.0.1.fn.memoryupdate.beta')?.values[0]).toBeCloseTo(0.8, 7);
    setGlobalSeed(8);
    const copy = new AssociativeTransformer({ ...aitArgs(v, { memoryMomentum: 0.8 }), name: 'copy' });
    loadOfficialSafetensors(copy, bytes);
    expectSameWeights(copy, model, 'patch_embed/proj/kernel');
    release(model);
    release(copy);
  });
});

describe('official ViT baseline weights (vit_org.py) in AiT.js', () => {
  const v = info.variants.vit as VariantInfo;
  const io = fixture.tensors('vit.io.safetensors');

  it('give the official logits', () => {
    const model = new VisionTransformer(vitArgs(v));
    const report = loadOfficialSafetensors(model, fixture.bytes('vit.weights.safetensors'));
    expect(report.ignored).toEqual([]);
    for (const p of [1, 2]) {
      const x = passInputs(io, p);
      const logits = model.apply(x, { training: false }) as tf.Tensor;
      expect(relativeError(logits.dataSync(), fixtureTensor(io, `pass${p}.logits`)), `pass ${p}`).toBeLessThan(RELATIVE_TOLERANCE);
      logits.dispose();
      disposeInputs(x);
    }
    release(model);
  });

  it('round trip both ways bit-exactly', async () => {
    const official = fixture.tensors('vit.weights.safetensors');
    const model = new VisionTransformer(vitArgs(v));
    const back = aitJsToOfficialVit(officialVitToAitJs(official, model.config), model.config);
    expectSameTensors(back, official);
    setGlobalSeed(3);
    (model.apply(tf.zeros([1, 8, 8, 3])) as tf.Tensor).dispose();
    const copy = new VisionTransformer({ ...vitArgs(v), name: 'copy' });
    loadOfficialSafetensors(copy, await toOfficialSafetensors(model));
    expectSameWeights(copy, model, 'patch_embed/proj/kernel');
    release(model);
    release(copy);
  });

  it("refuses a ViT with AiT's convolutional stem: the official baseline embeds raw patches", () => {
    const model = new VisionTransformer({ ...vitArgs(v), convStem: [4], patchSize: 2 });
    const e = refusal(() => loadOfficialSafetensors(model, fixture.bytes('vit.weights.safetensors')));
    expect(e.kind).toBe('unsupported-config');
    expect(e.issues.join('\n')).toMatch(/convStem: the official ViT baseline embeds raw image patches; use convStem: \[\]/);
    release(model);
  });
});

describe('the bottleneck write output projection', () => {
  it('needs its row permutation: without it the official memory is not reproduced', () => {
    const v = info.variants.ait as VariantInfo;
    const io = fixture.tensors('ait.io.safetensors');
    const official = fixture.tensors('ait.weights.safetensors');
    const model = new AssociativeTransformer(aitArgs(v));
    const mapped = officialAitToAitJs(official, model.config);
    // The same weights with only a transpose (no (feature, head) -> (head, feature) permutation).
    const [hm, dm] = [v.config.memory_head as number, v.config.memory_dim as number];
    for (let i = 0; i < v.config.depth; i++) {
      const fc = fixtureTensor(official, `transformer.layers.${i}.1.fn.memoryupdate.mha.fc.weight`);
      const plain = tf.tidy(() => tf.transpose(tf.tensor(fc.values, [dm, hm * dm])).dataSync() as Float32Array);
      mapped.set(`ait/block_${i}/gwl/write/output/kernel`, { dtype: 'float32', shape: [hm * dm, dm], values: plain });
    }
    const x = passInputs(io, 1);
    (model.apply(x, { training: false }) as tf.Tensor).dispose(); // builds it (the memory is loaded next)
    disposeInputs(x);
    loadSafetensorsWeights(model, mapped);
    const e = comparePass(model, io, 1, false);
    expect(e.memory).toBeGreaterThan(1e-3);
    release(model);
  });
});

describe('configs and files the map refuses', () => {
  const v = info.variants.ait as VariantInfo;
  const weights = (): Map<string, TensorValues> => fixture.tensors('ait.weights.safetensors');

  it('refuses options the official code does not have, whatever strict says', () => {
    expectRefusedConfigs<AssociativeTransformerArgs, AssociativeTransformer>(
      [
        [{ convStem: [4] }, /convStem: the official AiT has no convolutional stem/],
        [{ positionEmbedding: 'learned' }, /positionEmbedding 'learned': the official AiT adds no position embedding/],
        [{ head: 'mean' }, /head 'mean': the official AiT classifies the flattened tokens/],
        [{ hopfieldProjections: true, hopfieldHeads: 2 }, /hopfieldProjections: only the official static Hopfield layer/],
        [{ ablation: { noMemory: true } }, /ablation\.noMemory: the official code has no model without the memory/],
        [{ ablation: { noHopfield: true }, crossAttentionHeads: 2 }, /ablation\.noHopfield: the official HN = False variant/],
      ],
      (overrides) => new AssociativeTransformer(aitArgs(v, overrides)),
      (model) => loadOfficialSafetensors(model, weights(), { strict: false }),
    );
  });

  it('refuses modes that compute differently unless strict is false', () => {
    const model = new AssociativeTransformer(aitArgs(v, { competition: 'sample', memoryUpdateInEval: false }));
    const e = refusal(() => loadOfficialSafetensors(model, weights()));
    expect(e.kind).toBe('unsupported-config');
    expect(e.issues.join('\n')).toMatch(/competition 'sample'[\s\S]*memoryUpdateInEval/);
    expect(loadOfficialSafetensors(model, weights(), { strict: false }).ignored).toHaveLength(2);
    release(model);
  });

  it('checks the memory momentum buffer against memoryMomentum', () => {
    const model = new AssociativeTransformer(aitArgs(v, { memoryMomentum: 0.5 }));
    const e = refusal(() => loadOfficialSafetensors(model, weights()));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(/memoryupdate\.beta" is 0\.9, the config's memoryMomentum 0\.5/);
    release(model);
  });

  it('names every problem of a file from another model, with a hint, and changes nothing', () => {
    const model = new AssociativeTransformer(aitArgs(v));
    const e = refusal(() => loadOfficialSafetensors(model, fixture.tensors('vit.weights.safetensors')));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(/missing: .*memoryupdate/);
    expect(e.message).toMatch(/vit_org\.py.*VisionTransformer/);
    expect(model.built).toBe(false);
    const other = new AssociativeTransformer(aitArgs(v, { mlpDim: 8 }));
    expect(refusal(() => loadOfficialSafetensors(other, weights())).message).toMatch(
      /fc1\.weight" has shape \[24, 16\]; this config needs \[8, 16\]/,
    );
    const clevr = new AssociativeTransformer(aitArgs(info.variants['ait-clevr-no-self-attention'] as VariantInfo));
    const clevrError = refusal(() => loadOfficialSafetensors(clevr, weights())).message;
    expect(clevrError).toMatch(/no question embedding: build the model without questionDim/);
    expect(clevrError).toMatch(/has self-attention: build the model without ablation.noSelfAttention/);
    release(model);
    release(other);
    release(clevr);
  });
});
