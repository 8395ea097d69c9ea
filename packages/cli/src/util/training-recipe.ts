import type { ModelInfo } from '@ait/vision';

/** Training-time augmentation of a recipe (see `datasetBatchSource`'s `augment`). */
export interface RecipeAugmentation {
  /** Random crop with this many zero pixels of padding on every side; 0 = no crop. */
  readonly cropPadding: number;
  /** Mirror left-right with probability 1/2. */
  readonly horizontalFlip: boolean;
}

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
  /** Learning rate at the first step of the warm-up (absent in runs of earlier versions: 0). */
  readonly warmupStartLr?: number;
  /** Label smoothing of the cross-entropy. */
  readonly labelSmoothing: number;
  /** Clip the global gradient norm to this value; 0 switches clipping off. */
  readonly clipNorm: number;
  /** Augmentation of the training images (absent in runs of earlier versions: none). */
  readonly augment?: RecipeAugmentation;
}

/** Names `ait train --recipe` accepts. */
export const RECIPE_NAMES = ['preset', 'paper'] as const;
/** `preset`: the model preset's own recipe (the default); `paper`: the AiT paper's set-up. */
export type RecipeName = (typeof RECIPE_NAMES)[number];

/** No augmentation. */
export const NO_AUGMENTATION: RecipeAugmentation = { cropPadding: 0, horizontalFlip: false };

const CPU_RECIPE: TrainingRecipe = {
  epochs: 3,
  batchSize: 64,
  lr: 1e-3,
  weightDecay: 0.05,
  warmupEpochs: 0.25,
  warmupStartLr: 0,
  labelSmoothing: 0,
  clipNorm: 0,
  augment: NO_AUGMENTATION,
};

const PAPER_SIZE_RECIPE: TrainingRecipe = {
  epochs: 100,
  batchSize: 128,
  lr: 1e-4,
  weightDecay: 0.05,
  warmupEpochs: 5,
  warmupStartLr: 0,
  labelSmoothing: 0.1,
  clipNorm: 1,
  augment: NO_AUGMENTATION,
};

/**
 * The training recipe of a preset: CPU-size presets get a short, high-learning-rate recipe
 * (3 epochs, batch 64, AdamW lr 1e-3, weight decay 0.05, a quarter epoch of warm-up, cosine decay,
 * no clipping: a global clip would let AiT's large balance loss scale the task gradient down);
 * paper-size presets a longer one (100 epochs, batch 128, lr 1e-4, 5 warm-up epochs, label
 * smoothing 0.1, clipping at 1). A preset's own `recipe` (see `ait models`) overrides either. No
 * augmentation.
 */
export function recipeFor(preset: ModelInfo): TrainingRecipe {
  return { ...(preset.scale === 'cpu' ? CPU_RECIPE : PAPER_SIZE_RECIPE), ...preset.recipe };
}

/**
 * The training set-up of the AiT paper (Sun et al., "Associative Transformer", arXiv 2309.12862,
 * the experimental settings of its image classification and relational reasoning experiments, as
 * its authors' reference script `ait.py` runs them): AdamW (betas 0.9, 0.999) with learning rate
 * 1e-4 and weight decay 0.01; 100 epochs; 5 warm-up epochs rising from 1e-5, then cosine decay to
 * 1e-6 (here 1/100 of the peak, as for every recipe); batch 512, or 64 for Sort-of-CLEVR; no label
 * smoothing, no gradient clipping; for CIFAR-10/100 random crop with 4 pixels of zero padding and
 * horizontal flip, for the other data sets no augmentation. `datasetKind` is the data set's name
 * (`cifar10`, `sort-of-clevr`, ...). The schedule here is per step; the reference steps it per
 * epoch.
 */
export function paperRecipe(datasetKind: string): TrainingRecipe {
  const cifar = datasetKind === 'cifar10' || datasetKind === 'cifar100';
  return {
    epochs: 100,
    batchSize: datasetKind === 'sort-of-clevr' ? 64 : 512,
    lr: 1e-4,
    weightDecay: 0.01,
    warmupEpochs: 5,
    warmupStartLr: 1e-5,
    labelSmoothing: 0,
    clipNorm: 0,
    augment: cifar ? { cropPadding: 4, horizontalFlip: true } : NO_AUGMENTATION,
  };
}

/** The base recipe `--recipe <name>` selects for a preset and data set. */
export function namedRecipe(name: RecipeName, preset: ModelInfo, datasetKind: string): TrainingRecipe {
  return name === 'paper' ? paperRecipe(datasetKind) : recipeFor(preset);
}
