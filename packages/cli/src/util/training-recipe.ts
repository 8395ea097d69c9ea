import type { ModelInfo } from '@ait/vision';

/** Optimisation settings of a training run. */
export interface TrainingRecipe {
  /** Epochs to train. */
  readonly epochs: number;
  /** Examples per optimiser step. */
  readonly batchSize: number;
  /** Peak learning rate of the warm-up + cosine schedule. */
  readonly lr: number;
  /** AdamW's decoupled weight decay. */
  readonly weightDecay: number;
  /** Linear warm-up length in epochs (fractions allowed). */
  readonly warmupEpochs: number;
  /** Label smoothing of the cross-entropy. */
  readonly labelSmoothing: number;
  /** Clip the global gradient norm to this value; 0 switches clipping off. */
  readonly clipNorm: number;
}

const CPU_RECIPE: TrainingRecipe = {
  epochs: 3,
  batchSize: 64,
  lr: 1e-3,
  weightDecay: 0.05,
  warmupEpochs: 0.25,
  labelSmoothing: 0,
  clipNorm: 0,
};

const PAPER_RECIPE: TrainingRecipe = {
  epochs: 100,
  batchSize: 128,
  lr: 1e-4,
  weightDecay: 0.05,
  warmupEpochs: 5,
  labelSmoothing: 0.1,
  clipNorm: 1,
};

/**
 * The training recipe of a preset: CPU-size presets get a short, high-learning-rate recipe
 * (3 epochs, batch 64, AdamW lr 1e-3, weight decay 0.05, a quarter epoch of warm-up, cosine decay,
 * no clipping: a global clip would let AiT's large balance loss scale the task gradient down);
 * paper-size presets the longer recipe of the AiT reference setting (100 epochs, batch 128,
 * lr 1e-4, 5 warm-up epochs, label smoothing 0.1). A preset's own `recipe` (see `ait models`)
 * overrides either.
 */
export function recipeFor(preset: ModelInfo): TrainingRecipe {
  return { ...(preset.scale === 'cpu' ? CPU_RECIPE : PAPER_RECIPE), ...preset.recipe };
}
