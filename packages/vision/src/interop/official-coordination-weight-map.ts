import { SHARED_WORKSPACE_POSITION_ROWS } from '../blocks/sinusoidal-position-embedding-1d';
import { type CoordinationConfig } from '../models/coordination/coordination-config';
import { refuseUnsupportedConfig } from './official-config-refusal';
import { type OfficialWeightMapOptions, type OfficialWeightPair } from './official-weight-map';

/** The official PyTorch code of the Coordination paper (Goyal et al., ICLR 2022) that the map follows. */
export const OFFICIAL_COORDINATION_REPOSITORY = 'anirudh9119/shared_workspace';
/** The commit of {@link OFFICIAL_COORDINATION_REPOSITORY} the map was written and checked against (its `Triangle/` folder). */
export const OFFICIAL_COORDINATION_COMMIT = 'caf179872d5a3134d12e1f3e8ed2ae3a06221ddd';
/** Query / key width per head the official code builds its workspace with (`key_size = 32` in `multihead_attention.py`). */
export const OFFICIAL_COORDINATION_KEY_SIZE = 32;
/** The official `run.py` model asserts more patches than this (`MIN_NUM_PATCHES`). */
export const OFFICIAL_COORDINATION_MIN_PATCHES = 16;

/** An official tensor whose values follow from the config: the position-table buffer and the weights that scale it. */
export interface OfficialFixedTensor {
  /** The official `state_dict` name. */
  readonly official: string;
  /** Its shape in the official code. */
  readonly officialShape: readonly number[];
  /** Its values: the official `pe` table (`sharedWorkspacePositionValues(300, D, false)`) or ones. */
  readonly values: 'position-table' | 'ones';
  /**
   * Whether the official forward pass reads it: then loading checks that it holds `values` (with
   * `strict`, the default), otherwise it is ignored. Exporting writes `values` either way.
   */
  readonly read: boolean;
  /** What it is. */
  readonly note: string;
}

/** The correspondence between a {@link Coordination} model's weights and the official `state_dict`, for one config. */
export interface OfficialCoordinationWeightMap {
  /** The official model the map is for. */
  readonly officialModel: string;
  /** Weights present on both sides. */
  readonly pairs: readonly OfficialWeightPair[];
  /** Official tensors with no AiT.js weight, whose values the config determines. */
  readonly fixed: readonly OfficialFixedTensor[];
}

function linear(pairs: OfficialWeightPair[], official: string, aitjs: string, inp: number, out: number): void {
  pairs.push({
    official: `${official}.weight`,
    officialShape: [out, inp],
    aitjs: `${aitjs}/kernel`,
    aitjsShape: [inp, out],
    layout: { kind: 'linear' },
  });
  pairs.push({ official: `${official}.bias`, officialShape: [out], aitjs: `${aitjs}/bias`, aitjsShape: [out], layout: { kind: 'copy' } });
}

function layerNorm(pairs: OfficialWeightPair[], official: string, aitjs: string, width: number): void {
  pairs.push({
    official: `${official}.weight`,
    officialShape: [width],
    aitjs: `${aitjs}/gamma`,
    aitjsShape: [width],
    layout: { kind: 'copy' },
  });
  pairs.push({
    official: `${official}.bias`,
    officialShape: [width],
    aitjs: `${aitjs}/beta`,
    aitjsShape: [width],
    layout: { kind: 'copy' },
  });
}

/** The config's problems for the map: structural ones (no official counterpart) and behavioural ones (computes otherwise). */
function configProblems(c: CoordinationConfig): { structural: string[]; behaviour: string[] } {
  const structural: string[] = [];
  const behaviour: string[] = [];
  if (c.pool !== 'cls')
    structural.push(`pool '${c.pool}': the official model classifies its CLS token (cls_token, mlp_head on x[:, 0]); use 'cls'`);
  if (c.gateStyle !== 'unit')
    structural.push(`gateStyle '${c.gateStyle}': the official MultiheadAttention builds its RelationalMemory with gate_style 'unit'`);
  if (c.keyDim !== OFFICIAL_COORDINATION_KEY_SIZE) {
    structural.push(
      `keyDim ${c.keyDim}: the official RelationalMemory is built with key_size = ${OFFICIAL_COORDINATION_KEY_SIZE}; use keyDim: ${OFFICIAL_COORDINATION_KEY_SIZE}`,
    );
  }
  if (!c.slotGateBias) {
    structural.push(
      'slotGateBias false: the official memory_gate_projector (a GroupLinearLayer) has a bias per slot, [slots, 2 * dim]; build the model with slotGateBias: true',
    );
  }
  if (c.dim % 2 !== 0) structural.push(`dim ${c.dim}: the official PositionEncoder needs an even width`);
  if (c.imageSize === null || c.channels === null) {
    structural.push('imageSize or channels null: the official model is built for one image size and channel count; set both');
  } else {
    const patches = Math.floor(c.imageSize / c.patchSize) ** 2;
    if (patches <= OFFICIAL_COORDINATION_MIN_PATCHES) {
      structural.push(
        `${patches} patches: the official run.py model asserts more than ${OFFICIAL_COORDINATION_MIN_PATCHES} (MIN_NUM_PATCHES); use a smaller patchSize or larger images`,
      );
    }
    if (patches + 1 > SHARED_WORKSPACE_POSITION_ROWS) {
      structural.push(
        `${patches + 1} tokens: the official position table has ${SHARED_WORKSPACE_POSITION_ROWS} rows; use a larger patchSize or smaller images`,
      );
    }
  }
  if (c.positionTable !== 'official')
    behaviour.push(`positionTable '${c.positionTable}': the official code adds its own table (positionTable: 'official')`);
  if (c.renormalizeTopK) behaviour.push('renormalizeTopK: the official write keeps the plain softmax values of the top-k tokens');
  if (!c.sharedParameters) {
    behaviour.push(
      'sharedParameters false: with share_vanilla_parameters False the official layers each keep their own memory, reset to the initial state on every pass, where AiT.js carries the memory from layer to layer',
    );
  }
  return { structural, behaviour };
}

/**
 * The weight map between a {@link Coordination} model with config `config` (`model.config`) and the
 * official shared_workspace code (commit {@link OFFICIAL_COORDINATION_COMMIT}, `Triangle/`):
 * `run.py`'s `model` (`--model default`: `patch_to_embedding`, `cls_token`, `mlp_head`) around
 * `transformers.TransformerEncoder` with `shared_memory_attention = True`, whose pre-norm layers
 * (`TransformerEncoderLayerVanilla`: `self_attn_layer_norm`, `fc1`, `fc2`, `final_layer_norm`) hold
 * the workspace `self_attn.relational_memory` (`relational_memory_volatile.RelationalMemory`). With
 * `sharedParameters` the one layer is `net.enc`, otherwise layer `i` is `net.layers.i`.
 *
 * Layouts: every `nn.Linear` is transposed; the workspace's query, key and value projections split
 * their heads as AiT.js does (`(h d)`); `memory_gate_projector.weight [M, D, 2D]` is
 * `gate_memory` and its bias `[M, 2D]` is `gate_memory_bias` as they are; the scalars
 * `forget_bias` / `input_bias` are the `[1]` weights of the same names; `cls_token [1, 1, D]` is
 * `cls_token/token [D]`. The position-table buffer `net.pe.pe` and the parameter that scales it,
 * `net.pe.pos_emb_weight` (ones; it never gets a gradient) are {@link OfficialFixedTensor}s, as are
 * the official tensors no forward pass reads (`net.pe_state.*` and the `PositionEncoder` inside each
 * `RepeatLinear`). The top-k is a command-line setting, not a weight: `topK` is the official
 * `--topk` when `--use_topk True`, and any value of at least the number of tokens (patches + 1)
 * for `--use_topk False`.
 *
 * Throws an {@link OfficialWeightsError} (`unsupported-config`) for configs with no official
 * counterpart: `pool` other than `cls`, `gateStyle` other than `unit`, `keyDim` other than 32,
 * `slotGateBias` false, an odd `dim`, an open `imageSize` or `channels`, 16 patches or fewer, more
 * than 300 tokens; with `strict` (default) also for configs that compute otherwise:
 * `positionTable: 'standard'`, `renormalizeTopK`, and `sharedParameters: false` (the official
 * layers then reset their own memories instead of passing one on).
 */
export function officialCoordinationWeightMap(
  config: CoordinationConfig,
  options: OfficialWeightMapOptions = {},
): OfficialCoordinationWeightMap {
  const c = config;
  const { structural, behaviour } = configProblems(c);
  refuseUnsupportedConfig(
    'the Coordination config for the official shared_workspace weight map',
    structural,
    behaviour,
    options.strict ?? true,
  );

  const d = c.dim;
  const gates = 2 * d;
  const qk = c.heads * OFFICIAL_COORDINATION_KEY_SIZE;
  const channels = c.channels as number;
  const pairs: OfficialWeightPair[] = [];
  const fixed: OfficialFixedTensor[] = [];
  linear(pairs, 'patch_to_embedding', 'patch_embed/proj', c.patchSize * c.patchSize * channels, d);
  pairs.push({ official: 'cls_token', officialShape: [1, 1, d], aitjs: 'cls_token/token', aitjsShape: [d], layout: { kind: 'reshape' } });
  const table: readonly number[] = [1, SHARED_WORKSPACE_POSITION_ROWS, d];
  fixed.push(
    {
      official: 'net.pe.pe',
      officialShape: table,
      values: 'position-table',
      read: true,
      note: 'the position table buffer (AiT.js computes it)',
    },
    {
      official: 'net.pe.pos_emb_weight',
      officialShape: table,
      values: 'ones',
      read: true,
      note: 'scales the table by its sigmoid; ones, and never trained (detached in the official forward pass)',
    },
    {
      official: 'net.pe_state.pe',
      officialShape: table,
      values: 'position-table',
      read: false,
      note: 'a second PositionEncoder, never used',
    },
    {
      official: 'net.pe_state.pos_emb_weight',
      officialShape: table,
      values: 'ones',
      read: false,
      note: 'a second PositionEncoder, never used',
    },
  );
  for (let i = 0; i < (c.sharedParameters ? 1 : c.layers); i++) {
    const at = c.sharedParameters ? 'net.enc' : `net.layers.${i}`;
    const prefix = c.sharedParameters ? 'layer' : `layer${i}`;
    const rm = `${at}.self_attn.relational_memory`;
    const ws = `${prefix}_workspace`;
    layerNorm(pairs, `${at}.self_attn_layer_norm`, `${prefix}_norm1`, d);
    linear(pairs, `${rm}.input_projector`, `${ws}/input_proj`, d, d);
    linear(pairs, `${rm}.query_proj`, `${ws}/query`, d, qk);
    linear(pairs, `${rm}.key_proj`, `${ws}/key`, d, qk);
    linear(pairs, `${rm}.value_proj`, `${ws}/value`, d, d);
    linear(pairs, `${rm}.attention_mlp.0`, `${ws}/memory_mlp`, d, d);
    layerNorm(pairs, `${rm}.attended_memory_layernorm`, `${ws}/memory_norm1`, d);
    layerNorm(pairs, `${rm}.attended_memory_layernorm2`, `${ws}/memory_norm2`, d);
    pairs.push({
      official: `${rm}.input_gate_projector.w`,
      officialShape: [d],
      aitjs: `${ws}/gate_input_scale`,
      aitjsShape: [d],
      layout: { kind: 'copy' },
    });
    linear(pairs, `${rm}.input_gate_projector.linear`, `${ws}/gate_input`, d, gates);
    pairs.push(
      {
        official: `${rm}.memory_gate_projector.weight`,
        officialShape: [c.slots, d, gates],
        aitjs: `${ws}/gate_memory`,
        aitjsShape: [c.slots, d, gates],
        layout: { kind: 'copy' },
      },
      {
        official: `${rm}.memory_gate_projector.bias`,
        officialShape: [c.slots, gates],
        aitjs: `${ws}/gate_memory_bias`,
        aitjsShape: [c.slots, gates],
        layout: { kind: 'copy' },
      },
      { official: `${rm}.forget_bias`, officialShape: [], aitjs: `${ws}/forget_bias`, aitjsShape: [1], layout: { kind: 'reshape' } },
      { official: `${rm}.input_bias`, officialShape: [], aitjs: `${ws}/input_bias`, aitjsShape: [1], layout: { kind: 'reshape' } },
    );
    fixed.push(
      {
        official: `${rm}.input_gate_projector.pe.pe`,
        officialShape: table,
        values: 'position-table',
        read: false,
        note: "RepeatLinear's PositionEncoder, never used",
      },
      {
        official: `${rm}.input_gate_projector.pe.pos_emb_weight`,
        officialShape: table,
        values: 'ones',
        read: false,
        note: "RepeatLinear's PositionEncoder, never used",
      },
    );
    layerNorm(pairs, `${at}.final_layer_norm`, `${prefix}_norm2`, d);
    linear(pairs, `${at}.fc1`, `${prefix}_ffn/fc1`, d, c.ffnDim);
    linear(pairs, `${at}.fc2`, `${prefix}_ffn/fc2`, c.ffnDim, d);
  }
  linear(pairs, 'mlp_head', 'head', d, c.classes);
  return {
    officialModel: `run.py model around transformers.TransformerEncoder(shared_memory_attention=True, share_parameters=${c.sharedParameters ? 'True' : 'False'})`,
    pairs,
    fixed,
  };
}
