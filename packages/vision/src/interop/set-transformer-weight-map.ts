import { type SetTransformerConfig } from '../models/set-transformer/set-transformer-config';
import { OfficialWeightsError } from './official-weight-layout';
import { type OfficialWeightPair } from './official-weight-map';

/** The reference PyTorch code of the Set Transformer (Lee et al., ICML 2019) that the map follows. */
export const SET_TRANSFORMER_REFERENCE_REPOSITORY = 'juho-lee/set_transformer';
/** The commit of {@link SET_TRANSFORMER_REFERENCE_REPOSITORY} the map was written and checked against. */
export const SET_TRANSFORMER_REFERENCE_COMMIT = '73432c640ac78140496d6738416c54d32c686d65';

/** The correspondence between a {@link SetTransformer}'s weights and the reference `state_dict`, for one config. */
export interface SetTransformerWeightMap {
  /** The reference network the map is for. */
  readonly referenceModel: string;
  /** Weights present on both sides (`official` is the reference name). */
  readonly pairs: readonly OfficialWeightPair[];
}

function linear(pairs: OfficialWeightPair[], reference: string, aitjs: string, inp: number, out: number): void {
  pairs.push(
    {
      official: `${reference}.weight`,
      officialShape: [out, inp],
      aitjs: `${aitjs}/kernel`,
      aitjsShape: [inp, out],
      layout: { kind: 'linear' },
    },
    { official: `${reference}.bias`, officialShape: [out], aitjs: `${aitjs}/bias`, aitjsShape: [out], layout: { kind: 'copy' } },
  );
}

/** The reference `MAB` at `reference` (`fc_q`, `fc_k`, `fc_v`, `fc_o`, and with `ln` `ln0`, `ln1`) against an AiT.js MAB at `aitjs`. */
function mab(pairs: OfficialWeightPair[], reference: string, aitjs: string, dim: number, layerNorm: boolean): void {
  for (const [ref, ours] of [
    ['fc_q', 'query'],
    ['fc_k', 'key'],
    ['fc_v', 'value'],
    ['fc_o', 'output'],
  ] as const) {
    linear(pairs, `${reference}.${ref}`, `${aitjs}/${ours}`, dim, dim);
  }
  if (!layerNorm) return;
  for (const i of [0, 1]) {
    pairs.push(
      {
        official: `${reference}.ln${i}.weight`,
        officialShape: [dim],
        aitjs: `${aitjs}/norm${i}/gamma`,
        aitjsShape: [dim],
        layout: { kind: 'copy' },
      },
      {
        official: `${reference}.ln${i}.bias`,
        officialShape: [dim],
        aitjs: `${aitjs}/norm${i}/beta`,
        aitjsShape: [dim],
        layout: { kind: 'copy' },
      },
    );
  }
}

/** The config's problems for the map (each says which option to change). */
function configProblems(c: SetTransformerConfig): string[] {
  const problems: string[] = [];
  if (c.positionEmbedding !== 'none') {
    problems.push(
      `positionEmbedding '${c.positionEmbedding}': the reference Set Transformer has no position table (its input is a set); use positionEmbedding: 'none'`,
    );
  }
  if (c.seeds !== 1) {
    problems.push(
      `seeds ${c.seeds}: the reference classifier applies nn.Linear(dim_hidden, classes) to each of its num_outputs seeds, where AiT.js flattens the k seeds into one [k * dim] vector; only one seed is the same model, use seeds: 1`,
    );
  }
  if (c.imageSize === null || c.channels === null) {
    problems.push('imageSize or channels null: the patch embedding embed.weight [dim, P*P*C] needs the channel count; set both');
  }
  return problems;
}

/**
 * The weight map between a {@link SetTransformer} with config `config` (`model.config`) and the
 * reference code `juho-lee/set_transformer` (commit {@link SET_TRANSFORMER_REFERENCE_COMMIT}), in
 * the layout of its point-cloud classifier (`main_pointcloud.py`'s `SetTransformer`), whose
 * `enc` holds the encoder blocks and `dec` is `Dropout, PMA, Dropout, Linear`; AiT.js's decoder
 * SABs (as in `models.py`) come right after the PMA. The reference takes a set of vectors where
 * AiT.js takes an image, so an `nn.Linear(P*P*C, dim)` named `embed` stands in front of it,
 * applied to the patches flattened as AiT.js's `patchify` does (`(p1 p2 c)`, channel innermost):
 *
 * - `embed` -> `patch_embed/proj`;
 * - `enc.{i}` -> `encoder{i}`: an `ISAB` (`I [1, m, dim]` -> `inducing_points [m, dim]`, `mab0`,
 *   `mab1`) or, with `inducingPoints: null`, a `SAB` (`mab` -> the block itself);
 * - `dec.1` (`PMA`: `S [1, 1, dim]` -> `pool/seeds [1, dim]`, `mab` -> `pool/mab`);
 * - `dec.{2 + j}` -> `decoder{j}` (`SAB`), for `j < decoderLayers`;
 * - `dec.{2 + decoderLayers + 1}` -> `head`.
 *
 * Each `MAB`'s `fc_q`, `fc_k`, `fc_v`, `fc_o` are `query`, `key`, `value`, `output` (transposed),
 * and with `layerNorm` (the reference's `ln`) `ln0`, `ln1` are `norm0`, `norm1` (`nn.LayerNorm`'s
 * eps 1e-5 on both sides). The `Dropout`s (`dec.0`, `dec.{decoderLayers + 2}`) have no weights;
 * their rate is `dropout` (0.5 in the reference). Both sides split the heads into contiguous
 * slices of the width, scale by `1 / sqrt(dim)` (not the head width) and use ReLU in `fc_o`.
 *
 * Throws an {@link OfficialWeightsError} (`unsupported-config`) for `positionEmbedding: 'learned'`
 * (the reference has no positions), `seeds` other than 1 (the reference head is applied per seed)
 * and an open `imageSize` or `channels`.
 */
export function setTransformerWeightMap(config: SetTransformerConfig): SetTransformerWeightMap {
  const c = config;
  const problems = configProblems(c);
  if (problems.length > 0) {
    throw new OfficialWeightsError(
      'unsupported-config',
      'the SetTransformer config for the reference set_transformer weight map',
      problems,
    );
  }
  const d = c.dim;
  const channels = c.channels as number;
  const pairs: OfficialWeightPair[] = [];
  linear(pairs, 'embed', 'patch_embed/proj', c.patchSize * c.patchSize * channels, d);
  for (let i = 0; i < c.encoderLayers; i++) {
    if (c.inducingPoints === null) {
      mab(pairs, `enc.${i}.mab`, `encoder${i}`, d, c.layerNorm);
      continue;
    }
    pairs.push({
      official: `enc.${i}.I`,
      officialShape: [1, c.inducingPoints, d],
      aitjs: `encoder${i}/inducing_points`,
      aitjsShape: [c.inducingPoints, d],
      layout: { kind: 'reshape' },
    });
    mab(pairs, `enc.${i}.mab0`, `encoder${i}/mab0`, d, c.layerNorm);
    mab(pairs, `enc.${i}.mab1`, `encoder${i}/mab1`, d, c.layerNorm);
  }
  pairs.push({
    official: 'dec.1.S',
    officialShape: [1, c.seeds, d],
    aitjs: 'pool/seeds',
    aitjsShape: [c.seeds, d],
    layout: { kind: 'reshape' },
  });
  mab(pairs, 'dec.1.mab', 'pool/mab', d, c.layerNorm);
  for (let j = 0; j < c.decoderLayers; j++) mab(pairs, `dec.${2 + j}.mab`, `decoder${j}`, d, c.layerNorm);
  linear(pairs, `dec.${3 + c.decoderLayers}`, 'head', d, c.classes);
  const encoder = c.inducingPoints === null ? 'SAB' : `ISAB(m=${c.inducingPoints})`;
  return {
    referenceModel:
      `embed (nn.Linear on the patches), enc = ${c.encoderLayers} x ${encoder}, dec = Dropout, PMA(k=1)` +
      `${c.decoderLayers > 0 ? `, ${c.decoderLayers} x SAB` : ''}, Dropout, Linear (ln=${c.layerNorm ? 'True' : 'False'})`,
    pairs,
  };
}
