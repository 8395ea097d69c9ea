// One training run of the playground: the chosen preset fitted to a generated data set, AdamW and
// `ait train`'s learning-rate recipe, trained one step at a time with the library's train step, and
// read out for the page (test accuracy, predictions, internal maps, checkpoints). It runs in the
// playground's worker (or, without workers, on the page) and is tested under Node.
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  applyModel,
  captureCheckpoint,
  cosineSchedule,
  countParameters,
  createForwardContext,
  crossEntropy,
  discardStateUpdates,
  disposeBatch,
  evaluateModel,
  parameterRefs,
  releaseAuxLosses,
  restoreCheckpoint,
  runWithForwardContext,
  SeededRandom,
  setGlobalSeed,
  trainStep,
  type Batch,
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
import { buildModelForData, createModel, type VisionModel } from '@ait/vision';
import { playgroundOverrides } from './fit-model-to-data';
import { DRAWN_MAPS, gateGrids, mapPanels, type RecordedMap } from './model-maps';
import type { MapsView, SampleView } from './protocol';
import { PLAYGROUND_MODELS, type PlaygroundSettings } from './setups';

/** Test images shown with their predictions. */
export const SAMPLE_IMAGES = 8;

/** Sort-of-CLEVR images carry 3 question families x 10 questions = 30 samples each. */
const SORT_OF_CLEVR_SAMPLES_PER_IMAGE = 30;

/** The generated data set of a run, with the run's seed (train and test are disjoint streams). */
export function playgroundDataset(settings: PlaygroundSettings, split: 'train' | 'test'): RandomAccessDataset {
  const size = split === 'train' ? settings.trainSize : settings.testSize;
  const seed = settings.seed;
  switch (settings.dataset) {
    case 'triangle':
      return triangleDataset({ split, size, seed });
    case 'bars':
      return orientedBarsDataset({ split, size, seed });
    case 'sort-of-clevr':
      return sortOfClevrDataset({
        split,
        images: Math.max(1, Math.ceil(size / SORT_OF_CLEVR_SAMPLES_PER_IMAGE)),
        seed,
      }) as RandomAccessDataset;
  }
}

/**
 * Creates a model and builds its weights by one inference pass on zeros (state updates discarded),
 * as `ait train` does; a model built this way can be disposed.
 */
function buildModel(settings: PlaygroundSettings, data: RandomAccessDataset, recordMaps: boolean): VisionModel {
  const model = createModel(PLAYGROUND_MODELS[settings.model].preset, { ...playgroundOverrides(settings, data), recordMaps });
  buildModelForData(model, data);
  return model;
}

/** The recipe of `ait train`: a quarter epoch of linear warm-up from 0, then a cosine over the epochs down to 1 % of the peak. */
export function playgroundSchedule(settings: PlaygroundSettings, peak: number): LrSchedule {
  const perEpoch = Math.ceil(settings.trainSize / settings.batchSize);
  const totalSteps = Math.max(2, Math.round(settings.epochs * perEpoch));
  return cosineSchedule({ peak, totalSteps, warmupSteps: Math.max(1, Math.round(perEpoch / 4)), warmupStart: 0, floor: peak * 0.01 });
}

/** A training run: build it with {@link TrainingSession.create}, dispose it when done. */
export class TrainingSession {
  /** Optimiser steps taken. */
  step = 0;
  /** Current epoch (passes over the training set). */
  epoch = 0;
  private stepInEpoch = 0;
  private schedule: LrSchedule;
  private batches: Iterator<Batch> | AsyncIterator<Batch> | undefined;
  private readonly params: ReturnType<typeof parameterRefs>;
  private readonly dataRng: SeededRandom;
  private disposed = false;

  private constructor(
    readonly settings: PlaygroundSettings,
    /** The model that trains (records no maps: that would copy them on every step). */
    readonly model: VisionModel,
    /** A twin that records its internal maps; it gets the trained weights before each look. */
    private readonly viewer: VisionModel,
    private readonly optimizer: AdamW,
    private readonly train: BatchSource,
    private readonly test: BatchSource,
    readonly testSet: RandomAccessDataset,
  ) {
    this.schedule = playgroundSchedule(settings, settings.learningRate);
    this.params = parameterRefs(model);
    this.dataRng = new SeededRandom(settings.seed + 1);
  }

  /** Generates the data sets and builds the model, its viewer twin and the optimiser of a run. */
  static create(settings: PlaygroundSettings): TrainingSession {
    setGlobalSeed(settings.seed);
    const trainSet = playgroundDataset(settings, 'train');
    const testSet = playgroundDataset(settings, 'test');
    const model = buildModel(settings, trainSet, false);
    const viewer = buildModel(settings, trainSet, true);
    return new TrainingSession(
      settings,
      model,
      viewer,
      new AdamW({ learningRate: settings.learningRate, weightDecay: 0.05 }),
      datasetBatchSource(trainSet, { batchSize: settings.batchSize, dropLast: trainSet.size > settings.batchSize }),
      datasetBatchSource(testSet, { batchSize: 250, shuffle: false }),
      testSet,
    );
  }

  /** Trainable parameters of the model. */
  get parameters(): number {
    return countParameters(this.model).total;
  }

  /** Optimiser steps per pass over the training set. */
  get stepsPerEpoch(): number {
    return this.train.numBatches?.() ?? Math.ceil(this.settings.trainSize / this.settings.batchSize);
  }

  /** Sets the peak of the learning-rate schedule; the next step uses it. */
  setPeakLearningRate(peak: number): void {
    this.schedule = playgroundSchedule(this.settings, peak);
  }

  /** The learning rate of the next step. */
  get learningRate(): number {
    return this.schedule(this.step);
  }

  private async nextBatch(): Promise<Batch> {
    for (;;) {
      this.batches ??= (() => {
        const source = this.train.batches(this.epoch, this.dataRng);
        return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
      })();
      const next = await this.batches.next();
      if (!next.done) return next.value;
      this.batches = undefined;
      this.epoch += 1;
      this.stepInEpoch = 0;
    }
  }

  /**
   * One optimisation step on the next batch (the task loss plus the model's auxiliary losses,
   * e.g. AiT's balance term). Returns the task loss and the images of the batch.
   */
  async trainStep(): Promise<{ loss: number; images: number }> {
    const batch = await this.nextBatch();
    try {
      const metrics = await trainStep({
        model: this.model,
        params: this.params,
        optimizer: this.optimizer,
        batch,
        loss: (o, y) => crossEntropy(o, y),
        learningRate: this.schedule(this.step),
        epoch: this.epoch,
        step: this.step,
        stepInEpoch: this.stepInEpoch,
      });
      this.step += 1;
      this.stepInEpoch += 1;
      return { loss: metrics.taskLoss ?? metrics.loss, images: batch.y.shape[0] ?? 0 };
    } finally {
      disposeBatch(batch);
    }
  }

  /** Test loss and accuracy on the held-out generated set. */
  async evaluate(): Promise<{ loss: number; accuracy: number }> {
    const metrics = await evaluateModel(this.model, this.test, { loss: (o, y) => crossEntropy(o, y) });
    return { loss: metrics.loss, accuracy: metrics.accuracy ?? 0 };
  }

  /**
   * The first test images with the model's predictions, and the internal maps it records on them
   * (an inference pass of the viewer twin with the trained weights; no state changes).
   */
  async maps(): Promise<MapsView> {
    this.viewer.setWeights(this.model.getWeights());
    const count = Math.min(SAMPLE_IMAGES, this.testSet.size);
    const samples = Array.from({ length: count }, (_, i) => this.testSet.get(i));
    const batch = assembleBatch(samples, this.testSet, this.testSet.normalization);
    const ctx = createForwardContext(false);
    let predicted: number[] = [];
    const recorded: Record<string, RecordedMap> = {};
    try {
      const classes = tf.tidy(() =>
        tf.argMax(
          runWithForwardContext(ctx, () => applyModel(this.viewer, batch.x, false)),
          -1,
        ),
      );
      predicted = Array.from(await classes.data());
      classes.dispose();
      // the maps belong to the viewer (valid until its next pass): read them, do not dispose them
      const maps = this.viewer.internalMaps();
      for (const name of DRAWN_MAPS) {
        const t = maps[name];
        if (t) recorded[name] = { shape: t.shape, values: Float32Array.from(await t.data()) };
      }
    } finally {
      releaseAuxLosses(ctx);
      discardStateUpdates(ctx);
      disposeBatch(batch);
    }
    const [size, , channels] = this.testSet.imageShape;
    const gates = gateGrids(recorded, count);
    const views: SampleView[] = samples.map((s, i) => {
      const extra = s.extra as SortOfClevrExtra | undefined;
      const grid = gates?.grids[i];
      return {
        // always a copy: the page gets this buffer transferred, and a data set may cache its images
        pixels: s.image instanceof Uint8Array ? s.image.slice() : Uint8Array.from(s.image, (v) => Math.round(v * 255)),
        size,
        channels,
        label: s.label,
        predicted: predicted[i] ?? -1,
        ...(extra?.question ? { question: describeQuestion(extra.question) } : {}),
        ...(grid ? { gates: grid } : {}),
      };
    });
    return {
      step: this.step,
      samples: views,
      labelNames: [...this.testSet.labelNames],
      ...(gates ? { gatesLabel: gates.label } : {}),
      panels: mapPanels(recorded),
    };
  }

  /** A checkpoint of the run (model, optimiser, data stream, position, settings); dispose it after use. */
  capture(): CheckpointContents {
    return captureCheckpoint({
      model: this.model,
      optimizer: this.optimizer,
      rngs: { data: this.dataRng },
      position: { epoch: this.epoch, step: this.step, stepInEpoch: this.stepInEpoch },
      config: { playground: this.settings },
    });
  }

  /**
   * Restores a checkpoint of a run with the same model settings (the caller disposes it). Training
   * goes on from its step, with a fresh pass over the training set for its epoch.
   */
  restore(contents: CheckpointContents): void {
    const position = restoreCheckpoint(contents, { model: this.model, optimizer: this.optimizer });
    this.batches = undefined;
    this.step = position.step;
    this.epoch = position.epoch;
    this.stepInEpoch = 0;
  }

  /** Frees the models' and the optimiser's tensors. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.batches = undefined;
    this.model.dispose();
    this.viewer.dispose();
    this.optimizer.dispose();
  }
}
