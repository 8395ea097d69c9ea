/**
 * The reproduction suite's plan: which models train on which data sets, for how long, with which
 * seeds. Every run is one `ait train` with fixed settings, so a row of the results can be re-run
 * alone from its settings (see {@link reproTrainArgs}).
 */

/** Data sets of the suite (names `ait train --dataset` accepts). */
export const REPRO_DATASETS = ['triangle', 'sort-of-clevr', 'mnist', 'fashion-mnist'] as const;
/** A data set of the suite. */
export type ReproDataset = (typeof REPRO_DATASETS)[number];

/** The paper's ablations of AiT (arXiv 2309.12862, Table 4), as `ablation` switches of the AiT config. */
export const AIT_ABLATIONS = ['noBottleneck', 'noSelfAttention', 'noMemory', 'noHopfield', 'noBalanceLoss'] as const;
/** One ablation switch. */
export type AitAblation = (typeof AIT_ABLATIONS)[number];

/** Sizes of the suite: `full` for the published results, `quick` for a check in minutes. */
export type ReproSize = 'full' | 'quick';

/**
 * How a model's width is matched to the suite's reference model of a data set: the option that is
 * tuned (the MLP width of ViT, the feed-forward width of Coordination) so that the parameter
 * count comes closest to the reference's.
 */
export interface WidthMatch {
  /** The config key that is tuned. */
  readonly key: string;
  /** Tuned values are multiples of this. */
  readonly multiple: number;
}

/** One model of a data set's comparison: a registered preset with overrides. */
export interface ReproModel {
  /** Name of the row in the results (`ait-conv`, `vit`, `ait-conv/noMemory`, ...). */
  readonly label: string;
  /** Registered preset (see `ait models`). */
  readonly preset: string;
  /** Config overrides on top of the fit to the data set (`modelConfig` of `ait train`). */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  /** Tuned so that the parameter count matches the data set's reference model (absent: as given). */
  readonly matchWidth?: WidthMatch;
  /** Seeds this model runs with. */
  readonly seeds: readonly number[];
}

/** The runs of one data set. */
export interface ReproDatasetPlan {
  readonly dataset: ReproDataset;
  /** Training examples (Sort-of-CLEVR: images, 30 questions each); undefined: the whole split. */
  readonly trainSize?: number;
  /** Test examples (Sort-of-CLEVR: images); undefined: the whole split. */
  readonly testSize?: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Label of the model whose parameter count the others are matched to. */
  readonly reference: string;
  readonly models: readonly ReproModel[];
  /**
   * The reference model itself, kept by {@link reproPlan} when a selection leaves it out of
   * `models` (`--models vit`), so that the widths it selects match the full suite's.
   */
  readonly referenceModel?: ReproModel;
}

/** One training run of the suite. */
export interface ReproRun {
  readonly dataset: ReproDataset;
  readonly label: string;
  readonly preset: string;
  readonly modelConfig: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly trainSize?: number;
  readonly testSize?: number;
}

/** The ablations of an AiT model of the plan, each a model of its own with the given seeds. */
const ablations = (base: ReproModel, seeds: readonly number[]): ReproModel[] =>
  AIT_ABLATIONS.map((a) => ({
    label: `${base.label}/${a}`,
    preset: base.preset,
    modelConfig: { ...base.modelConfig, ablation: { [a]: true } },
    seeds,
  }));

/** The baselines a data set compares AiT with: ViT (with extra options) and, unless false, Coordination. */
interface Baselines {
  readonly vit: Readonly<Record<string, unknown>>;
  readonly coordination: boolean;
}

/**
 * The models compared on one data set: AiT with its convolutional tokenizer (the reference whose
 * parameter count the others are matched to), AiT with patches, ViT with patches and ViT with AiT's
 * convolutional tokenizer, and Coordination, with their widths matched (Coordination only where the
 * data set has no question input: it takes none); then the ablations of the convolutional AiT.
 */
function comparison(
  conv: Record<string, unknown>,
  patch: { patchSize: number; topK: number; head?: 'mean' | 'flatten' },
  baselines: Baselines,
  seeds: readonly number[],
  ablationSeeds: readonly number[],
): ReproModel[] {
  const reference: ReproModel = { label: 'ait-conv', preset: 'ait-tiny-conv', modelConfig: conv, seeds };
  const narrow = { patchSize: patch.patchSize, dim: 64, numHeads: 4, headDim: 16 };
  return [
    reference,
    // AiT with ViT's patches, positions and head (vit-tiny's learned positions and CLS token unless
    // the data set names a head), so that only the feed-forward layer differs from ViT: with the
    // reference code's 'none' positions, a mean head sees a bag of patches (MNIST 84.0 % against
    // ViT's 97.4 %; results/repro/README.md)
    {
      label: 'ait-patch',
      preset: 'ait-tiny',
      modelConfig: { ...narrow, mlpDim: 128, topK: patch.topK, positionEmbedding: 'learned', head: patch.head ?? 'cls' },
      seeds,
    },
    { label: 'vit', preset: 'vit-tiny', modelConfig: { ...narrow, ...baselines.vit }, matchWidth: { key: 'mlpDim', multiple: 8 }, seeds },
    // ViT with AiT's convolutional tokenizer: the same stem, patches, positions, attention and
    // head as ait-conv, a plain MLP in the global workspace layer's place
    { label: 'vit-conv', preset: 'vit-tiny-conv', modelConfig: conv, matchWidth: { key: 'mlpDim', multiple: 8 }, seeds },
    ...(baselines.coordination
      ? [
          {
            label: 'coordination',
            preset: 'coordination-tiny',
            modelConfig: { patchSize: patch.patchSize, dim: 80, topK: 16 },
            matchWidth: { key: 'ffnDim', multiple: 8 },
            seeds,
          },
        ]
      : []),
    ...(ablationSeeds.length > 0 ? ablations(reference, ablationSeeds) : []),
  ];
}

const BOTH: Baselines = { vit: {}, coordination: true };

function datasetPlans(size: ReproSize): ReproDatasetPlan[] {
  const quick = size === 'quick';
  const seeds = quick ? [0] : [0, 1, 2];
  const ablationSeeds = quick ? [0] : [0, 1];
  const common = { batchSize: 64, reference: 'ait-conv' };
  return [
    {
      dataset: 'triangle',
      trainSize: quick ? 512 : 20_000,
      testSize: quick ? 256 : 2_000,
      epochs: quick ? 1 : 8,
      ...common,
      models: comparison({}, { patchSize: 8, topK: 32 }, BOTH, seeds, ablationSeeds),
    },
    {
      // 75 x 75 RGB and an 18-d question. AiT and ViT read it as a token; Coordination takes no
      // question in AiT.js, so it is left out here (it would answer without the question).
      dataset: 'sort-of-clevr',
      // 12,000 images seen 4 times rather than 4,000 seen 12 times: the same number of steps, with
      // less overfitting (ait-conv seed 0: binary relational 80.67 % against 77.08 %, 73 against
      // 84 minutes on 2 cores; results/repro/README.md)
      trainSize: quick ? 32 : 12_000,
      testSize: quick ? 16 : 400,
      epochs: quick ? 1 : 4,
      ...common,
      // every model with the reference code's Sort-of-CLEVR head (vit_hn_clevr.py): flatten, which
      // gives the question token weights of its own (AiT's mean over 82 tokens diluted it and stayed
      // near the answer priors: 64.9 %)
      models: comparison(
        { head: 'flatten' },
        { patchSize: 15, topK: 12, head: 'flatten' },
        { vit: { head: 'flatten' }, coordination: false },
        seeds,
        ablationSeeds,
      ),
    },
    ...(['mnist', 'fashion-mnist'] as const).map((dataset) => ({
      dataset,
      ...(quick ? { trainSize: 512, testSize: 256 } : {}),
      epochs: quick ? 1 : 6,
      ...common,
      // no ablations on the MNIST sets: the paper ablates on CIFAR-10/100 and Triangle; the suite's
      // ablations stay on its relational sets (Triangle, Sort-of-CLEVR)
      models: comparison({ patchSize: 1 }, { patchSize: 4, topK: 24 }, BOTH, seeds, []),
    })),
  ];
}

/** Narrows a plan to some data sets and models; `undefined` keeps all. */
export interface ReproSelection {
  readonly datasets?: readonly string[];
  /** Model labels (`ait-conv`, `ait-conv/noMemory`); `<label>/*` selects all the ablations of a model. */
  readonly models?: readonly string[];
  /** Seeds per model at most (the first n of the plan's). */
  readonly maxSeeds?: number;
}

/**
 * The suite's plan for a size, narrowed by a selection. Unknown data set or model names throw an
 * error listing the known ones.
 */
export function reproPlan(size: ReproSize, selection: ReproSelection = {}): ReproDatasetPlan[] {
  const plans = datasetPlans(size);
  const known = plans.map((p) => p.dataset);
  for (const d of selection.datasets ?? []) {
    if (!known.includes(d as ReproDataset)) throw new Error(`Unknown data set "${d}" for the suite; choose from ${known.join(', ')}.`);
  }
  const labels = new Set(plans.flatMap((p) => p.models.map((m) => m.label)));
  for (const m of selection.models ?? []) {
    if (!labels.has(m) && !(m.endsWith('/*') && [...labels].some((l) => l.startsWith(m.slice(0, -1)))))
      throw new Error(`Unknown model "${m}" for the suite; choose from ${[...labels].join(', ')}.`);
  }
  const wantModel = (label: string): boolean =>
    selection.models === undefined || selection.models.some((m) => label === m || (m.endsWith('/*') && label.startsWith(m.slice(0, -1))));
  return plans
    .filter((p) => selection.datasets === undefined || selection.datasets.includes(p.dataset))
    .map((p) => ({
      ...p,
      referenceModel: p.models.find((m) => m.label === p.reference),
      models: p.models
        .filter((m) => wantModel(m.label))
        .map((m) => (selection.maxSeeds === undefined ? m : { ...m, seeds: m.seeds.slice(0, Math.max(1, selection.maxSeeds)) })),
    }))
    .filter((p) => p.models.length > 0);
}

/** The plan's runs in the order the suite trains them: seed-major, so every model has a first result early. */
export function reproRuns(plans: readonly ReproDatasetPlan[]): ReproRun[] {
  const runs: ReproRun[] = [];
  for (const p of plans) {
    const maxSeeds = Math.max(...p.models.map((m) => m.seeds.length));
    for (let i = 0; i < maxSeeds; i++) {
      for (const m of p.models) {
        const seed = m.seeds[i];
        if (seed === undefined) continue;
        runs.push({
          dataset: p.dataset,
          label: m.label,
          preset: m.preset,
          modelConfig: m.modelConfig,
          seed,
          epochs: p.epochs,
          batchSize: p.batchSize,
          ...(p.trainSize !== undefined ? { trainSize: p.trainSize } : {}),
          ...(p.testSize !== undefined ? { testSize: p.testSize } : {}),
        });
      }
    }
  }
  return runs;
}

/** The run's folder below the suite's output folder: `runs/<dataset>/<label>/seed-<n>` (`/` of ablations kept as a sub-folder). */
export function reproRunPath(run: { readonly dataset: string; readonly label: string; readonly seed: number }): string {
  return ['runs', run.dataset, ...run.label.split('/'), `seed-${run.seed}`].join('/');
}
