// The playground's training loop, in a web worker so that the page stays responsive: it builds
// the chosen model and generated data set, trains with the library's train step and AdamW, and
// posts losses, test accuracy and the model's internal maps for the page to draw.
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  applyModel,
  captureCheckpoint,
  cosineSchedule,
  countParameters,
  createForwardContext,
  crossEntropy,
  decodeCheckpoint,
  discardStateUpdates,
  disposeBatch,
  disposeCheckpoint,
  encodeCheckpoint,
  evaluateModel,
  initBackend,
  loadCheckpoint,
  parameterRefs,
  releaseAuxLosses,
  restoreCheckpoint,
  runWithForwardContext,
  saveCheckpoint,
  SeededRandom,
  setGlobalSeed,
  trainStep,
  type BatchSource,
  type CheckpointContents,
  type LrSchedule,
} from '@ait/core';
import {
  assembleBatch,
  datasetBatchSource,
  describeQuestion,
  orientedBarsDataset,
  sortOfClevrDataset,
  triangleDataset,
  type RandomAccessDataset,
  type SortOfClevrExtra,
} from '@ait/datasets';
import { createModel, type VisionModel } from '@ait/vision';
import type { FromWorker, HeatMap, MapsView, SampleView, ToWorker } from './protocol';
import { modelOverrides, PLAYGROUND_MODELS, type PlaygroundSettings } from './setups';

const SAMPLES = 8;
const post = (message: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(message, transfer);

interface Run {
  readonly settings: PlaygroundSettings;
  readonly model: VisionModel;
  readonly optimizer: AdamW;
  readonly train: BatchSource;
  readonly test: BatchSource;
  readonly testSet: RandomAccessDataset;
  step: number;
  epoch: number;
  /** The schedule's peak (the learning-rate control), warm-up and cosine decay as `ait train` does. */
  schedule: LrSchedule;
}

/** The recipe of `ait train`: a quarter epoch of linear warm-up, then a cosine over 3 epochs to 1 %. */
function scheduleFor(settings: PlaygroundSettings, peak: number): LrSchedule {
  const perEpoch = Math.ceil(settings.trainSize / settings.batchSize);
  const totalSteps = Math.max(2, 3 * perEpoch);
  return cosineSchedule({ peak, totalSteps, warmupSteps: Math.max(1, Math.round(perEpoch / 4)), warmupStart: 0, floor: peak * 0.01 });
}

let run: Run | undefined;
let paused = false;
let wake: (() => void) | undefined;
let backendReady: Promise<string> | undefined;

function dataSet(settings: PlaygroundSettings, split: 'train' | 'test', size: number): RandomAccessDataset {
  const seed = settings.seed;
  switch (settings.dataset) {
    case 'triangle':
      return triangleDataset({ split, size, seed });
    case 'bars':
      return orientedBarsDataset({ split, size, seed });
    case 'sort-of-clevr':
      // every image carries 3 question types x 10 questions
      return sortOfClevrDataset({ split, images: Math.max(1, Math.ceil(size / 30)), seed }) as RandomAccessDataset;
  }
}

function build(settings: PlaygroundSettings): Run {
  setGlobalSeed(settings.seed);
  const trainSet = dataSet(settings, 'train', settings.trainSize);
  const testSet = dataSet(settings, 'test', settings.testSize);
  const model = createModel(PLAYGROUND_MODELS[settings.model].preset, modelOverrides(settings));
  const [h, w, c] = trainSet.imageShape;
  const question = trainSet.extraInputs[0];
  model.build(question ? [[null, h, w, c], [null, ...question.shape]] : [null, h, w, c]);
  return {
    settings,
    model,
    optimizer: new AdamW({ learningRate: settings.learningRate, weightDecay: 0.05 }),
    train: datasetBatchSource(trainSet, { batchSize: settings.batchSize }),
    test: datasetBatchSource(testSet, { batchSize: 250, shuffle: false }),
    testSet,
    step: 0,
    epoch: 0,
    schedule: scheduleFor(settings, settings.learningRate),
  };
}

async function read(t: tf.Tensor | undefined): Promise<Float32Array | undefined> {
  return t ? Float32Array.from(await t.data()) : undefined;
}

function heat(rows: number, cols: number, values: Float32Array): HeatMap {
  return { rows, cols, values };
}

/** A forward pass on the first test images in inference mode, and the maps it recorded. */
async function mapsOf(r: Run): Promise<MapsView> {
  const samples = Array.from({ length: SAMPLES }, (_, i) => r.testSet.get(i));
  const batch = assembleBatch(samples, r.testSet, r.testSet.normalization);
  const ctx = createForwardContext(false);
  let predicted: number[] = [];
  let maps: Record<string, tf.Tensor> = {};
  try {
    const logits = runWithForwardContext(ctx, () => applyModel(r.model, batch.x, false));
    predicted = Array.from(await tf.argMax(logits, -1).data());
    maps = r.model.internalMaps();
    tf.dispose(logits);
  } finally {
    discardStateUpdates(ctx);
    releaseAuxLosses(ctx);
    disposeBatch(batch);
  }
  const [size, , channels] = r.testSet.imageShape;
  const gate = maps['block0/gwl/gate'];
  const gates = await read(gate);
  const tokens = gate ? (gate.shape[gate.shape.length - 1] as number) / (gate.rank === 3 ? SAMPLES : 1) : 0;
  const side = Math.round(Math.sqrt(tokens));
  const views: SampleView[] = samples.map((s, i) => {
    const pixels = s.image instanceof Uint8Array ? s.image : Uint8Array.from(s.image, (v) => Math.round(v * 255));
    let gateMap: HeatMap | undefined;
    if (gates && gate && side * side === tokens) {
      // strongest gate of each token over heads and priors; batch competition: [heads, M, batch * tokens]
      const perToken = new Float32Array(tokens);
      const [heads, slots] = gate.rank === 3 ? [gate.shape[0] as number, gate.shape[1] as number] : [gate.shape[1] as number, gate.shape[2] as number];
      for (let h = 0; h < heads; h++) {
        for (let m = 0; m < slots; m++) {
          for (let t = 0; t < tokens; t++) {
            const at = gate.rank === 3 ? (h * slots + m) * SAMPLES * tokens + i * tokens + t : ((i * heads + h) * slots + m) * tokens + t;
            perToken[t] = Math.max(perToken[t] as number, gates[at] as number);
          }
        }
      }
      gateMap = heat(side, side, perToken);
    }
    const extra = s.extra as SortOfClevrExtra | undefined;
    return {
      pixels,
      size,
      channels,
      label: s.label,
      predicted: predicted[i] ?? -1,
      ...(extra?.question ? { question: describeQuestion(extra.question) } : {}),
      ...(gateMap ? { gates: gateMap } : {}),
    };
  });
  const view: { -readonly [K in keyof MapsView]: MapsView[K] } = { step: r.step, samples: views, labelNames: [...r.testSet.labelNames] };
  const priors = maps['block0/gwl/priors'];
  const priorValues = await read(priors);
  if (priors && priorValues) view.priors = heat(priors.shape[0] as number, priors.shape[1] as number, priorValues);
  const hopfield = maps['block0/gwl/hopfield'];
  const hopfieldValues = await read(hopfield);
  if (hopfield && hopfieldValues) {
    const [, t, m] = hopfield.shape as number[];
    view.hopfield = heat(t as number, m as number, hopfieldValues.slice(0, (t as number) * (m as number)));
  }
  const attention = maps['block0/attention'];
  const attentionValues = await read(attention);
  if (attention && attentionValues) {
    const [, heads, t] = attention.shape as number[];
    const mean = new Float32Array((t as number) * (t as number));
    for (let h = 0; h < (heads as number); h++) {
      for (let j = 0; j < mean.length; j++) mean[j] = (mean[j] as number) + (attentionValues[h * mean.length + j] as number) / (heads as number);
    }
    view.attention = heat(t as number, t as number, mean);
  }
  return view;
}

async function evaluate(r: Run): Promise<void> {
  const metrics = await evaluateModel(r.model, r.test, { loss: (o, y) => crossEntropy(o, y) });
  post({ type: 'eval', step: r.step, accuracy: metrics.accuracy ?? 0, loss: metrics.loss });
  post({ type: 'maps', maps: await mapsOf(r) });
}

/** Lets queued messages (pause, learning rate, checkpoints) run between two steps. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function trainLoop(r: Run): Promise<void> {
  const params = parameterRefs(r.model);
  const dataRng = new SeededRandom(r.settings.seed + 1);
  let pending: { step: number; loss: number }[] = [];
  let lastPost = performance.now();
  let images = 0;
  await evaluate(r);
  while (run === r) {
    let stepInEpoch = 0;
    for await (const batch of r.train.batches(r.epoch, dataRng)) {
      if (run !== r) {
        disposeBatch(batch);
        return;
      }
      const metrics = await trainStep({
        model: r.model,
        params,
        optimizer: r.optimizer,
        batch,
        loss: (o, y) => crossEntropy(o, y),
        learningRate: r.schedule(r.step),
        epoch: r.epoch,
        step: r.step,
        stepInEpoch,
      });
      images += batch.y.shape[0] ?? 0;
      disposeBatch(batch);
      r.step += 1;
      stepInEpoch += 1;
      pending.push({ step: r.step, loss: metrics.taskLoss ?? metrics.loss });
      const now = performance.now();
      if (now - lastPost > 250) {
        post({ type: 'steps', steps: pending, imagesPerSecond: (images * 1000) / (now - lastPost) });
        pending = [];
        images = 0;
        lastPost = now;
      }
      if (r.step % r.settings.evalEvery === 0) await evaluate(r);
      if (r.settings.maxSteps > 0 && r.step >= r.settings.maxSteps) {
        post({ type: 'steps', steps: pending, imagesPerSecond: 0 });
        await evaluate(r);
        post({ type: 'finished', step: r.step });
        paused = true;
      }
      await yieldToMessages();
      while (paused && run === r) {
        post({ type: 'paused', step: r.step });
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    r.epoch += 1;
  }
}

function capture(r: Run): CheckpointContents {
  return captureCheckpoint({
    model: r.model,
    optimizer: r.optimizer,
    position: { epoch: r.epoch, step: r.step, stepInEpoch: 0 },
    config: { playground: r.settings },
  });
}

function restore(r: Run, contents: CheckpointContents): void {
  const position = restoreCheckpoint(contents, { model: r.model, optimizer: r.optimizer });
  r.step = position.step;
  r.epoch = position.epoch;
}

const indexedDbPath = (s: PlaygroundSettings): string => `playground/${s.model}-${s.dataset}.ckpt`;

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'start': {
      backendReady ??= initBackend({ backend: 'auto', wasmPaths: message.wasmPaths }).then((info) => info.summary);
      const backend = await backendReady;
      // the previous run's loop sees that it is no longer current, stops and frees its model
      run = undefined;
      paused = false;
      wake?.();
      const r = build(message.settings);
      run = r;
      post({ type: 'ready', backend, parameters: countParameters(r.model).total, trainSize: message.settings.trainSize, testSize: message.settings.testSize });
      void trainLoop(r)
        .catch((err: unknown) => post({ type: 'error', message: (err as Error).message }))
        .finally(() => {
          r.model.dispose();
          r.optimizer.dispose();
        });
      return;
    }
    case 'pause':
      paused = true;
      return;
    case 'resume':
      paused = false;
      wake?.();
      return;
    case 'learning-rate':
      if (run) run.schedule = scheduleFor(run.settings, message.value);
      return;
    case 'save-indexeddb': {
      if (!run) return;
      const contents = capture(run);
      try {
        const saved = await saveCheckpoint(indexedDbPath(run.settings), contents);
        post({ type: 'checkpoint', what: `saved step ${run.step} to IndexedDB (${indexedDbPath(run.settings)}, ${Math.round(saved.bytes / 1024)} KiB)` });
      } finally {
        disposeCheckpoint(contents);
      }
      return;
    }
    case 'load-indexeddb': {
      if (!run) return;
      const contents = await loadCheckpoint(indexedDbPath(run.settings));
      try {
        restore(run, contents);
        post({ type: 'checkpoint', what: `loaded step ${run.step} from IndexedDB` });
      } finally {
        disposeCheckpoint(contents);
      }
      await evaluate(run);
      return;
    }
    case 'export': {
      if (!run) return;
      const contents = capture(run);
      try {
        const bytes = await encodeCheckpoint(contents);
        const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        post({ type: 'exported', bytes: buffer, name: `${run.settings.model}-${run.settings.dataset}-step${run.step}.ckpt` }, [buffer]);
      } finally {
        disposeCheckpoint(contents);
      }
      return;
    }
    case 'import': {
      if (!run) return;
      const contents = decodeCheckpoint(new Uint8Array(message.bytes), message.name);
      try {
        restore(run, contents);
        post({ type: 'checkpoint', what: `loaded step ${run.step} from ${message.name}` });
      } finally {
        disposeCheckpoint(contents);
      }
      await evaluate(run);
      return;
    }
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((err: unknown) => post({ type: 'error', message: (err as Error).message }));
};
