// What the playground offers: its models and data sets, and the settings of a run. The page
// imports this file, so it imports nothing of the library (which would load TensorFlow.js on the
// page's main thread); the worker fits the registry's presets to the data (fit-model-to-data.ts).

/** The data sets the playground generates in the worker (the page shows `label`). */
export const PLAYGROUND_DATASETS = {
  triangle: { label: 'Triangle (equilateral or not, 64 x 64)', imageSize: 64, channels: 1, classes: 2, question: 0 },
  bars: { label: 'Oriented bars (4 orientations, 32 x 32)', imageSize: 32, channels: 1, classes: 4, question: 0 },
  'sort-of-clevr': { label: 'Sort-of-CLEVR (relational questions, 75 x 75)', imageSize: 75, channels: 3, classes: 10, question: 18 },
} as const;

/** A data set of the playground. */
export type PlaygroundDataset = keyof typeof PLAYGROUND_DATASETS;

/**
 * The models the playground trains: CPU-size presets of the @ait/vision registry. `topK` and
 * `slots` name the preset's config keys of the bottleneck's k and the number of memory slots
 * (priors) where the model has them; `questions` says whether it takes Sort-of-CLEVR's question.
 */
export const PLAYGROUND_MODELS = {
  ait: { label: 'AiT (ait-tiny-conv)', preset: 'ait-tiny-conv', questions: true, topK: 'topK', slots: 'memorySlots' },
  vit: { label: 'ViT (vit-tiny)', preset: 'vit-tiny', questions: true, topK: null, slots: null },
  coordination: { label: 'Coordination (coordination-tiny)', preset: 'coordination-tiny', questions: false, topK: 'topK', slots: 'slots' },
  mixer: {
    label: 'Parallelized MLP-Mixer (parallel-mixer-breaking-tiny)',
    preset: 'parallel-mixer-breaking-tiny',
    questions: false,
    topK: null,
    slots: null,
  },
} as const;

/** A model of the playground. */
export type PlaygroundModel = keyof typeof PLAYGROUND_MODELS;

/** What the worker reads from the registry about a model's preset, for the controls' defaults. */
export interface PresetDefaults {
  readonly preset: string;
  readonly description: string;
  /** The peak learning rate `ait train` uses for the preset (its tuned recipe, else the CPU recipe's). */
  readonly learningRate: number;
  /** The preset's bottleneck k, where it has one. */
  readonly topK?: number;
  /** The preset's number of memory slots (priors), where it has them. */
  readonly slots?: number;
}

/** Everything the worker needs to build a run. */
export interface PlaygroundSettings {
  model: PlaygroundModel;
  dataset: PlaygroundDataset;
  /** Bottleneck top-k (AiT: tokens that may write per head and prior; Coordination: per slot). */
  topK: number;
  /** Memory slots: AiT's priors, Coordination's workspace slots. */
  memorySlots: number;
  /** Peak of the learning-rate schedule (warm-up, then a cosine over `epochs`, as `ait train`). */
  learningRate: number;
  batchSize: number;
  trainSize: number;
  testSize: number;
  /** Epochs of the cosine schedule; training goes on at its floor afterwards until paused. */
  epochs: number;
  /** Evaluate on the test set every this many steps. */
  evalEvery: number;
  seed: number;
  /** Stop after this many steps (0: train until paused). */
  maxSteps: number;
}

/**
 * The playground's default run: AiT on 30,000 generated Triangle images, batch 64 and the
 * preset's recipe over 3 epochs (as `ait train`), tested on 1,000 held-out images every 100
 * steps; it passes 90 % test accuracy in a few minutes on 2 cores. k, priors and the learning
 * rate are the preset's and arrive from the worker (the registry lives there).
 */
export const DEFAULT_SETTINGS: PlaygroundSettings = {
  model: 'ait',
  dataset: 'triangle',
  topK: 64,
  memorySlots: 16,
  learningRate: 2e-3,
  batchSize: 64,
  trainSize: 30_000,
  testSize: 1_000,
  epochs: 3,
  evalEvery: 100,
  seed: 0,
  maxSteps: 0,
};

/** Whether a model can train on a data set (only AiT and ViT have a question input for Sort-of-CLEVR). */
export function modelTakesDataset(model: PlaygroundModel, dataset: PlaygroundDataset): boolean {
  return PLAYGROUND_DATASETS[dataset].question === 0 || PLAYGROUND_MODELS[model].questions;
}

/** Problems of a run's settings, in words (empty when it can start). */
export function settingsProblems(s: PlaygroundSettings): string[] {
  const problems: string[] = [];
  if (!modelTakesDataset(s.model, s.dataset))
    problems.push(`${PLAYGROUND_MODELS[s.model].label} has no question input; Sort-of-CLEVR needs AiT or ViT.`);
  const count = (value: number, name: string, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be a whole number from ${min} to ${max}.`);
  };
  if (PLAYGROUND_MODELS[s.model].topK) count(s.topK, 'k', 1, 100_000);
  if (PLAYGROUND_MODELS[s.model].slots) count(s.memorySlots, 'priors', 1, 256);
  count(s.batchSize, 'batch size', 1, 1024);
  count(s.trainSize, 'training set size', 1, 200_000);
  count(s.testSize, 'test set size', 1, 20_000);
  count(s.evalEvery, 'evaluation interval', 1, 1_000_000);
  count(s.maxSteps, 'step limit', 0, 10_000_000);
  if (!(s.learningRate > 0 && s.learningRate < 1)) problems.push('the learning rate must be above 0 and below 1.');
  if (!(s.epochs > 0)) problems.push('the schedule needs at least one epoch.');
  return problems;
}
