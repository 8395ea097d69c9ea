import { type ParallelMlpMixerConfig } from '../models/parallel-mixer/parallel-mlp-mixer-config';
import { refuseUnsupportedConfig } from './official-config-refusal';
import { type OfficialWeightMapOptions } from './official-weight-map';
import { type ParamixerLayout } from './paramixer-weight-layout';

/** The authors' PyTorch code of the parallelized MLP-Mixer (Karakida, Ota, Taki 2024) that the map follows. */
export const PARAMIXER_REFERENCE_REPOSITORY = 'Toshihiro-Ota/paramixer';
/** The commit of {@link PARAMIXER_REFERENCE_REPOSITORY} the map was written and checked against. */
export const PARAMIXER_REFERENCE_COMMIT = 'cddc611107bb2b187597f04d88050a03ecfa300a';
/** Epsilon of every `nn.LayerNorm` of the authors' `MlpMixer` (`norm_layer = partial(nn.LayerNorm, eps=1e-6)`). */
export const PARAMIXER_LAYER_NORM_EPSILON = 1e-6;

/** One tensor present on both sides: the authors' `state_dict` name and shape against the AiT.js weight. */
export interface ParamixerWeightPair {
  /** The authors' `state_dict` name, e.g. `blocks.0.mlp_tokens.fc2.weight`. */
  readonly reference: string;
  /** Its shape in the authors' code. */
  readonly referenceShape: readonly number[];
  /** The AiT.js weight name below the model, e.g. `block0/token_weights`. */
  readonly aitjs: string;
  /** Its shape in AiT.js. */
  readonly aitjsShape: readonly number[];
  /** How the values are rearranged between the two. */
  readonly layout: ParamixerLayout;
}

/** The correspondence between a {@link ParallelMlpMixer}'s weights and the authors' `state_dict`, for one config. */
export interface ParamixerWeightMap {
  /** The authors' model the map is for (which registered model family, how built). */
  readonly referenceModel: string;
  /** Weights present on both sides. */
  readonly pairs: readonly ParamixerWeightPair[];
}

/** The authors' MLP class of each AiT.js variant, and the registered models that use it. */
const MLP_OF_VARIANT = {
  symmetric: { mlp: 'sMlp', models: 'symmixer_*' },
  symmetryBreaking: { mlp: 'aMlp', models: 'asymmixer_*' },
  free: { mlp: 'vMlp', models: 'paramixer_*' },
} as const;

/** The config's problems: structural ones (no counterpart) and behavioural ones (the weights fit, the computation differs). */
function configProblems(c: ParallelMlpMixerConfig): { structural: string[]; behaviour: string[] } {
  const structural: string[] = [];
  const behaviour: string[] = [];
  if (c.normGain !== 'perEntry') {
    structural.push(
      `normGain '${c.normGain}': the authors' pMixerBlock normalises with nn.LayerNorm((N, C)), a gain per entry [N, C]; build the model with normGain: 'perEntry'`,
    );
  }
  if (c.useBias) {
    structural.push(
      "useBias true: the authors' MLPs (sMlp, aMlp, vMlp as pMixerBlock builds them, bias=False) have no biases; build the model with useBias: false",
    );
  }
  if (c.imageSize === null || c.channels === null) {
    structural.push("imageSize or channels null: the authors' model is built for one image size (N tokens) and channel count; set both");
  }
  if (c.stepSize !== 1) {
    behaviour.push(`stepSize ${c.stepSize}: the authors' update is x + MLP_tok + MLP_ch (a step of 1); use stepSize: 1`);
  }
  if (c.epsilon !== PARAMIXER_LAYER_NORM_EPSILON) {
    behaviour.push(
      `epsilon ${c.epsilon}: the authors' layer norms use eps ${PARAMIXER_LAYER_NORM_EPSILON}; use epsilon: ${PARAMIXER_LAYER_NORM_EPSILON}`,
    );
  }
  return { structural, behaviour };
}

/** Adds a pair; the AiT.js shape is the reference's (`copy`), transposed (`linear`) or `aitjsShape`. */
function pair(
  pairs: ParamixerWeightPair[],
  reference: string,
  shape: readonly number[],
  aitjs: string,
  layout: ParamixerLayout = { kind: 'copy' },
  aitjsShape: readonly number[] = layout.kind === 'linear' ? [shape[1] as number, shape[0] as number] : shape,
): void {
  pairs.push({ reference, referenceShape: [...shape], aitjs, aitjsShape: [...aitjsShape], layout });
}

/**
 * The weight map between a {@link ParallelMlpMixer} with config `config` (`model.config`) and the
 * authors' code `Toshihiro-Ota/paramixer` (commit {@link PARAMIXER_REFERENCE_COMMIT}): `MlpMixer`
 * of `models/mixers.py` with `block_layer = pMixerBlock` and `hidden_ratio` 1, whose MLP class is
 * `sMlp` for `variant: 'symmetric'` (the `symmixer_*` models), `aMlp` for `'symmetryBreaking'`
 * (`asymmixer_*`) and `vMlp` for `'free'` (`paramixer_*`). `nIter` is the authors' `n_iter`,
 * `tokenMlpDim` / `channelMlpDim` are `int(mlp_ratio[0] * dim)` / `int(mlp_ratio[1] * dim)`
 * (the S/16 presets: `mlp_ratio = (0.5, 4.0)`), `symmetryPenalty` is `lcoeff` (the training
 * script's `reg_weight2`), `dropout` is `drop_rate`; GELU is exact (`nn.GELU()`) on both sides.
 *
 * Names and layouts: `stem.proj` (timm's `PatchEmbed`, an `nn.Conv2d` with stride P) ->
 * `stem/proj` (its weight `[dim, C, P, P]` rearranged to the kernel `[P*P*C, dim]`, see
 * {@link ParamixerLayout}); `blocks.{i}.norm` (`nn.LayerNorm((N, C))`, weight and bias `[N, C]`) ->
 * `block{i}/norm_gamma`, `norm_delta`; the MLP weights, all `[out, in]` as `nn.Linear` stores them
 * and copied as they are: `sMlp.fc2.weight` (the tied W) -> `token_weights` / `channel_weights`;
 * `aMlp.fc1.weight` -> `*_weights` and `aMlp.fc2.weight` (the symmetry-breaking W2) -> `*_extra`;
 * `vMlp.fc1.weight` -> `*_weights` and `vMlp.fc2.weight` -> `*_out` (`mlp_tokens` -> `token_*`,
 * `mlp_channels` -> `channel_*`); `norm` -> `final_norm`; `head` -> `head` (transposed).
 *
 * Throws an {@link OfficialWeightsError} (`unsupported-config`) for configs with no counterpart:
 * `normGain: 'scalar'` (the authors' gain is per entry), `useBias: true`, an open `imageSize` or
 * `channels`; with `strict` (default) also for configs that compute otherwise: `stepSize` other than
 * 1 and `epsilon` other than 1e-6.
 */
export function paramixerWeightMap(config: ParallelMlpMixerConfig, options: OfficialWeightMapOptions = {}): ParamixerWeightMap {
  const c = config;
  const { structural, behaviour } = configProblems(c);
  refuseUnsupportedConfig(
    "the ParallelMlpMixer config for the authors' paramixer weight map",
    structural,
    behaviour,
    options.strict ?? true,
    "the parameters fit, but the authors' code computes otherwise",
  );

  const d = c.dim;
  const channels = c.channels as number;
  const p = c.patchSize;
  const n = Math.floor((c.imageSize as number) / p) ** 2;
  const pairs: ParamixerWeightPair[] = [];
  pair(pairs, 'stem.proj.weight', [d, channels, p, p], 'stem/proj/kernel', { kind: 'conv-patch', patchSize: p, channels }, [
    p * p * channels,
    d,
  ]);
  pair(pairs, 'stem.proj.bias', [d], 'stem/proj/bias');
  for (let i = 0; i < c.depth; i++) {
    const at = `blocks.${i}`;
    const ours = `block${i}`;
    pair(pairs, `${at}.norm.weight`, [n, d], `${ours}/norm_gamma`);
    pair(pairs, `${at}.norm.bias`, [n, d], `${ours}/norm_delta`);
    for (const [mlp, kind, width, hidden] of [
      ['mlp_tokens', 'token', n, c.tokenMlpDim],
      ['mlp_channels', 'channel', d, c.channelMlpDim],
    ] as const) {
      if (c.variant === 'symmetric') {
        pair(pairs, `${at}.${mlp}.fc2.weight`, [hidden, width], `${ours}/${kind}_weights`);
      } else {
        pair(pairs, `${at}.${mlp}.fc1.weight`, [hidden, width], `${ours}/${kind}_weights`);
        pair(pairs, `${at}.${mlp}.fc2.weight`, [width, hidden], `${ours}/${kind}_${c.variant === 'free' ? 'out' : 'extra'}`);
      }
    }
  }
  pair(pairs, 'norm.weight', [d], 'final_norm/gamma');
  pair(pairs, 'norm.bias', [d], 'final_norm/beta');
  pair(pairs, 'head.weight', [c.classes, d], 'head/kernel', { kind: 'linear' });
  pair(pairs, 'head.bias', [c.classes], 'head/bias');
  const m = MLP_OF_VARIANT[c.variant];
  return {
    referenceModel: `MlpMixer(block_layer=pMixerBlock, mlp_layer=${m.mlp}, n_iter=${c.nIter}, num_blocks=${c.depth}, embed_dim=${d}) as in ${m.models}`,
    pairs,
  };
}
