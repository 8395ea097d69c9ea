// The playground's training session and engine under Node (the wasm backend, one thread): every
// model x data set it offers trains a step and shows its own maps; no tensor outlives a look at
// the maps or the session; a checkpoint restores the model exactly; the engine's messages.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, disposeCheckpoint, encodeCheckpoint, initBackend } from '@ait/core';
import { createPlaygroundEngine } from '../.vitepress/theme/playground/playground-engine';
import type { FromWorker } from '../.vitepress/theme/playground/protocol';
import { TrainingSession } from '../.vitepress/theme/playground/training-session';
import {
  DEFAULT_SETTINGS,
  modelTakesDataset,
  PLAYGROUND_DATASETS,
  PLAYGROUND_MODELS,
  type PlaygroundDataset,
  type PlaygroundModel,
  type PlaygroundSettings,
} from '../.vitepress/theme/playground/setups';

const tiny = (model: PlaygroundModel, dataset: PlaygroundDataset): PlaygroundSettings => ({
  ...DEFAULT_SETTINGS,
  model,
  dataset,
  trainSize: 60,
  testSize: 30,
  batchSize: 8,
  seed: 3,
});

/** The panels each model shows (and nothing else): only what the model has. */
const PANELS: Record<PlaygroundModel, string[]> = {
  ait: ['priors', 'hopfield', 'attention'],
  vit: ['attention'],
  coordination: ['workspace', 'broadcast'],
  mixer: ['token-coupling', 'channel-coupling'],
};

const combos = (Object.keys(PLAYGROUND_MODELS) as PlaygroundModel[]).flatMap((m) =>
  (Object.keys(PLAYGROUND_DATASETS) as PlaygroundDataset[])
    .filter((d) => modelTakesDataset(m, d))
    .map((d): [PlaygroundModel, PlaygroundDataset] => [m, d]),
);

beforeAll(async () => {
  await initBackend({ backend: 'wasm', wasmThreads: 1 });
});

describe('the playground training session', () => {
  it.each(combos)(
    '%s on %s trains a step and shows its own maps',
    async (model, dataset) => {
      const before = tf.memory().numTensors;
      const s = TrainingSession.create(tiny(model, dataset));
      const { loss, images } = await s.trainStep();
      expect(Number.isFinite(loss)).toBe(true);
      expect(images).toBe(8);
      const view = await s.maps();
      expect(view.samples).toHaveLength(8);
      expect(view.panels.map((p) => p.key)).toEqual(PANELS[model]);
      for (const p of view.panels) expect(Array.from(p.map.values).every(Number.isFinite), p.key).toBe(true);
      expect(view.samples.every((v) => v.predicted >= 0 && v.predicted < PLAYGROUND_DATASETS[dataset].classes)).toBe(true);
      const gated = model === 'ait' || model === 'coordination';
      expect(view.samples[0]?.gates !== undefined).toBe(gated);
      if (gated) expect(view.samples[0]?.gates?.rows).toBeGreaterThan(1);
      expect(view.samples[0]?.question !== undefined).toBe(dataset === 'sort-of-clevr');
      s.dispose();
      // ait-tiny-conv's dispose() leaves its sine-cosine position table behind (@ait/vision 0.1), one
      // per model: the session's trained model and its viewer twin; nothing else may stay
      expect(tf.memory().numTensors - before).toBeLessThanOrEqual(model === 'ait' ? 2 : 0);
    },
    60_000,
  );

  it('leaks no tensor per step, evaluation or look at the maps, and a checkpoint round trip restores the predictions', async () => {
    const s = TrainingSession.create(tiny('ait', 'triangle'));
    await s.trainStep();
    await s.maps();
    const steady = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await s.trainStep();
      await s.evaluate();
      await s.maps();
    }
    expect(tf.memory().numTensors).toBe(steady);
    expect(s.step).toBe(4);
    const contents = s.capture();
    const bytes = await encodeCheckpoint(contents);
    disposeCheckpoint(contents);
    const saved = await s.maps();
    await s.trainStep();
    const other = TrainingSession.create(tiny('ait', 'triangle'));
    const loaded = decodeCheckpoint(bytes, 'round-trip.ckpt');
    other.restore(loaded);
    disposeCheckpoint(loaded);
    expect(other.step).toBe(4);
    const restored = await other.maps();
    expect(restored.samples.map((v) => v.predicted)).toEqual(saved.samples.map((v) => v.predicted));
    expect(restored.panels.find((p) => p.key === 'priors')?.map.values).toEqual(saved.panels.find((p) => p.key === 'priors')?.map.values);
    s.dispose();
    other.dispose();
  }, 60_000);
});

/** The engine's messages as a page receives them: cloned, with the listed buffers transferred (detached here). */
function collect(messages: FromWorker[]): (m: FromWorker, transfer?: Transferable[]) => void {
  return (m, transfer = []) => messages.push(structuredClone(m, { transfer: transfer as Transferable[] }));
}

async function waitFor(messages: FromWorker[], test: (m: FromWorker) => boolean, from = 0): Promise<FromWorker> {
  for (let i = 0; i < 600; i++) {
    const found = messages.slice(from).find(test);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such message; got ${messages.map((m) => (m.type === 'error' ? `error: ${m.message}` : m.type)).join(', ')}`);
}

describe('the playground engine', () => {
  it('transfers copies of the test images (Sort-of-CLEVR caches its scenes), so looking twice works', async () => {
    const messages: FromWorker[] = [];
    const send = createPlaygroundEngine(collect(messages), 'wasm');
    send({ type: 'start', settings: { ...tiny('ait', 'sort-of-clevr'), maxSteps: 2, evalEvery: 1 }, wasmPaths: '' });
    await waitFor(messages, (m) => m.type === 'finished' || m.type === 'error');
    expect(messages.filter((m) => m.type === 'error')).toEqual([]);
    const views = messages.flatMap((m) => (m.type === 'maps' ? [m.maps] : []));
    expect(views).toHaveLength(3);
    expect(views.every((v) => v.samples.every((x) => x.pixels.length === 75 * 75 * 3 && x.question))).toBe(true);
  }, 60_000);

  it('posts presets, trains to the step limit, resumes past it, applies a learning rate and names a corrupt checkpoint', async () => {
    const messages: FromWorker[] = [];
    const wait = (test: (m: FromWorker) => boolean, from = 0): Promise<FromWorker> => waitFor(messages, test, from);
    const send = createPlaygroundEngine(collect(messages), 'wasm');
    const presets = await wait((m) => m.type === 'presets');
    expect(presets.type === 'presets' && presets.presets.ait.topK).toBe(64);
    send({ type: 'start', settings: { ...tiny('ait', 'triangle'), maxSteps: 3, evalEvery: 2 }, wasmPaths: '' });
    const ready = await wait((m) => m.type === 'ready');
    expect(ready.type === 'ready' && ready.backend).toMatch(/wasm/);
    await wait((m) => m.type === 'finished');
    const evals = messages.filter((m) => m.type === 'eval').map((m) => (m.type === 'eval' ? m.step : -1));
    expect(evals).toEqual([0, 2, 3]);
    const losses = messages.flatMap((m) => (m.type === 'steps' ? m.steps : []));
    expect(losses.map((l) => l.step)).toEqual([1, 2, 3]);
    expect(losses.every((l) => Number.isFinite(l.loss))).toBe(true);
    const mark = messages.length;
    send({ type: 'learning-rate', value: 5e-4 });
    send({ type: 'resume' });
    await wait((m) => m.type === 'steps' && m.steps.some((s) => s.step >= 5), mark);
    send({ type: 'pause' });
    const paused = await wait((m) => m.type === 'paused', mark);
    send({ type: 'import', file: new Blob([new TextEncoder().encode('not a checkpoint')]) as Blob & { name?: string } });
    const error = await wait((m) => m.type === 'error', mark);
    expect(error.type === 'error' && error.message).toMatch(
      /Cannot use checkpoint picked file: it does not start with the AiT\.js checkpoint magic bytes/,
    );
    expect(paused.type === 'paused' && paused.step).toBeGreaterThanOrEqual(5);
    // a new run replaces the old one, whose loop ends and frees its tensors
    send({ type: 'start', settings: { ...tiny('vit', 'triangle'), maxSteps: 1 }, wasmPaths: '' });
    await wait((m) => m.type === 'finished', messages.indexOf(paused) + 1);
    expect(messages.filter((m) => m.type === 'error')).toHaveLength(1);
  }, 120_000);
});
