// Writes test/fixtures/compat/<preset>/{model.json, weights.bin, model.ckpt, expected.json} for
// every model of test/compat/compat-models.ts: the files that compat-fixtures.test.ts loads to
// check that saved models and checkpoints of earlier versions keep working. Run it only to add a
// model, never to make a failing compatibility test pass:
//   pnpm --filter @ait/vision exec tsx --conditions=@ait/source scripts/write-compat-fixtures.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { input, model as functionalModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { captureCheckpoint, disposeCheckpoint, initBackend, saveCheckpoint, setGlobalSeed } from '@ait/core';
import { createModel, listModels } from '../src/index';
import { COMPAT_MODELS, compatInput, type CompatExpectation } from '../test/compat/compat-models';

const OUT = fileURLToPath(new URL('../test/fixtures/compat/', import.meta.url));

await initBackend({ backend: 'cpu' });
for (const [preset, overrides] of Object.entries(COMPAT_MODELS)) {
  const info = listModels().find((m) => m.name === preset);
  if (!info) throw new Error(`no preset ${preset}`);
  setGlobalSeed(11);
  const model = createModel(preset, overrides);
  const cfg = model.getConfig() as { imageSize: number; channels: number };
  const shape: [number, number, number] = [cfg.imageSize, cfg.imageSize, cfg.channels];
  const symbolic = input({ shape });
  const wrapped = functionalModel({ inputs: symbolic, outputs: model.apply(symbolic) as SymbolicTensor });
  // nonzero everywhere: zero-initialised heads and biases would hide a wrong mapping
  wrapped.setWeights(wrapped.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', 100 + i)));
  const dir = join(OUT, preset);
  mkdirSync(dir, { recursive: true });
  const contents = captureCheckpoint({ model, config: { preset, overrides } });
  await saveCheckpoint(join(dir, 'model.ckpt'), contents, { createdAt: new Date('2026-12-05T00:00:00Z') });
  disposeCheckpoint(contents);
  await wrapped.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const topology = {
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        format: 'layers-model',
      };
      writeFileSync(join(dir, 'model.json'), `${JSON.stringify(topology)}\n`);
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const x = compatInput(shape[0], shape[2]);
  const logits = model.apply(x, { training: false }) as tf.Tensor;
  const expected: CompatExpectation = {
    preset,
    overrides,
    inputShape: shape,
    logits: Array.from(await logits.data()),
    weightNames: wrapped.weights.map((w) => w.originalName),
  };
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected, null, 1)}\n`);
  tf.dispose([x, logits]);
  console.log(`${preset}: ${wrapped.countParams()} parameters`);
  model.dispose();
}
