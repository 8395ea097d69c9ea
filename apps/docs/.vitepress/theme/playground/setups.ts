/** The data sets the playground generates in the worker. */
export const PLAYGROUND_DATASETS = {
  triangle: { label: 'Triangle (equilateral or not, 64 x 64)', imageSize: 64, channels: 1, classes: 2, question: 0 },
  bars: { label: 'Oriented bars (4 orientations, 32 x 32)', imageSize: 32, channels: 1, classes: 4, question: 0 },
  'sort-of-clevr': { label: 'Sort-of-CLEVR (relational questions, 75 x 75)', imageSize: 75, channels: 3, classes: 10, question: 18 },
} as const;

/** A data set of the playground. */
export type PlaygroundDataset = keyof typeof PLAYGROUND_DATASETS;

/** The models the playground trains: CPU-size presets of the @ait/vision registry. */
export const PLAYGROUND_MODELS = {
  ait: { label: 'AiT (ait-tiny-conv)', preset: 'ait-tiny-conv', convStages: 2, questions: true },
  vit: { label: 'ViT (vit-tiny)', preset: 'vit-tiny', convStages: 0, questions: false },
  coordination: { label: 'Coordination (coordination-tiny)', preset: 'coordination-tiny', convStages: 0, questions: false },
  mixer: { label: 'Parallelized MLP-Mixer (parallel-mixer-breaking-tiny)', preset: 'parallel-mixer-breaking-tiny', convStages: 0, questions: false },
} as const;

/** A model of the playground. */
export type PlaygroundModel = keyof typeof PLAYGROUND_MODELS;

/** Everything the worker needs to build a run. */
export interface PlaygroundSettings {
  model: PlaygroundModel;
  dataset: PlaygroundDataset;
  /** Bottleneck top-k of AiT's global workspace (tokens that may write per head). */
  topK: number;
  /** Number of priors (memory slots) of AiT's explicit memory. */
  memorySlots: number;
  /** Peak of the learning-rate schedule (warm-up, then a cosine over 3 epochs, as `ait train`). */
  learningRate: number;
  batchSize: number;
  trainSize: number;
  testSize: number;
  /** Evaluate on the test set every this many steps. */
  evalEvery: number;
  seed: number;
  /** Stop after this many steps (0: train until paused). */
  maxSteps: number;
}

/** The playground's default run: AiT on Triangle, sized to pass 90 % in a few minutes on 2 cores. */
export const DEFAULT_SETTINGS: PlaygroundSettings = {
  model: 'ait',
  dataset: 'triangle',
  topK: 32,
  memorySlots: 16,
  learningRate: 2e-3,
  batchSize: 64,
  trainSize: 30_000,
  testSize: 1_000,
  evalEvery: 100,
  seed: 0,
  maxSteps: 0,
};

/** The side of a convolutional stem's output: each stage halves the side (2 x 2 max pooling). */
function stemSide(side: number, stages: number): number {
  let s = side;
  for (let i = 0; i < stages; i++) s = Math.floor(s / 2);
  return s;
}

/**
 * The preset overrides that fit a model to a data set (as `ait train` does): image size, channels
 * and classes from the data; a patch size that keeps the preset's 4 x 4 grid on a 16-pixel image,
 * or 8 x 8 after AiT's convolutional stem (the nearest divisor when the side does not divide);
 * AiT's question input, k and priors. Throws for a model that has no question input on
 * Sort-of-CLEVR.
 */
export function modelOverrides(settings: PlaygroundSettings): Record<string, unknown> {
  const data = PLAYGROUND_DATASETS[settings.dataset];
  const model = PLAYGROUND_MODELS[settings.model];
  if (data.question > 0 && !model.questions) {
    throw new Error(`${model.label} has no question input; Sort-of-CLEVR needs AiT.`);
  }
  const side = stemSide(data.imageSize, model.convStages);
  const grid = model.convStages > 0 ? 8 : 4;
  const divisors = Array.from({ length: side }, (_, i) => i + 1).filter((d) => side % d === 0 && d < side);
  const wanted = side / grid;
  const patchSize = divisors.reduce((best, d) => (Math.abs(d - wanted) < Math.abs(best - wanted) ? d : best), divisors[0] ?? 1);
  const out: Record<string, unknown> = { imageSize: data.imageSize, channels: data.channels, classes: data.classes, patchSize };
  if (settings.model === 'ait') {
    out.topK = settings.topK;
    out.memorySlots = settings.memorySlots;
    out.recordMaps = true;
    if (data.question > 0) out.questionDim = data.question;
  }
  return out;
}
