import { resolveHflayersDimensions } from './hflayers-dimensions';
import { HflayersInteropError } from './hflayers-error';
import type { HflayersModuleConfig } from './hflayers-kwargs';

/**
 * How values are rearranged between an hflayers tensor (or a block of its rows) and an AiT.js
 * weight: `copy` (same order and shape: LayerNorm scales and shifts, biases, learned patterns),
 * `transpose` (a `torch.nn.Linear` weight `[out, in]` against the tfjs kernel `[in, out]`),
 * `reshape` (same order, another shape: `pooling_weights [1, quantity, width]` against
 * `state_patterns [quantity, width]`).
 */
export type HflayersLayout = 'copy' | 'transpose' | 'reshape';

/** One AiT.js weight and the hflayers tensor (or rows of it) holding the same numbers. */
export interface HflayersWeightPair {
  /** The hflayers `state_dict` name, e.g. `hopfield.association_core.in_proj_weight`. */
  readonly hflayers: string;
  /** The whole hflayers tensor's shape. */
  readonly hflayersShape: readonly number[];
  /**
   * The block of rows (axis 0, `[start, end)`) this weight occupies when hflayers packs several
   * into one tensor (`in_proj_weight`, `in_proj_bias`); absent when it is the whole tensor.
   */
  readonly rows?: readonly [number, number];
  /** The AiT.js weight name below the layer, e.g. `hopfield/state_projection/kernel`. */
  readonly aitjs: string;
  /** Its shape. */
  readonly aitjsShape: readonly number[];
  /** How the values are rearranged. */
  readonly layout: HflayersLayout;
}

/** hflayers numbers with no AiT.js weight (a whole tensor, or rows of one). */
export interface HflayersUnusedTensor {
  readonly hflayers: string;
  readonly hflayersShape: readonly number[];
  /** The rows concerned (absent: the whole tensor). */
  readonly rows?: readonly [number, number];
  /** Why the module never uses them. */
  readonly note: string;
}

/**
 * The complete correspondence between an hflayers module's `state_dict` and the weights of the
 * AiT.js layer computing the same function (see {@link hflayersWeightMap}).
 */
export interface HflayersWeightMap {
  /** Weights on both sides. */
  readonly pairs: readonly HflayersWeightPair[];
  /**
   * Numbers hflayers allocates but its forward pass never reads: ignored when loading, zeros when
   * exporting (so that PyTorch's strict `load_state_dict` accepts the file).
   */
  readonly unused: readonly HflayersUnusedTensor[];
  /** Every `state_dict` name of the module with its shape. */
  readonly tensors: ReadonlyMap<string, readonly number[]>;
}

/** A projection of `state`, `stored` or `pattern` whose weights hflayers may pack with the others. */
interface ProjectionPart {
  /** Its rows in a packed tensor (its output units). */
  readonly rows: number;
  /** The AiT.js projection below the layer, e.g. `hopfield/state_projection`. */
  readonly aitjs: string;
  /** Its input width. */
  readonly input: number;
  /** Its output units. */
  readonly units: number;
}

/**
 * The pairs of projections packed one after the other into the rows of the hflayers tensor
 * `hflayers` (in the order of `parts`); `weight` gives each projection's AiT.js side.
 */
function packedPairs(
  hflayers: string,
  hflayersShape: readonly number[],
  parts: readonly ProjectionPart[],
  weight: (p: ProjectionPart) => Pick<HflayersWeightPair, 'aitjs' | 'aitjsShape' | 'layout'>,
): HflayersWeightPair[] {
  let start = 0;
  return parts.map((p) => {
    const rows: [number, number] = [start, start + p.rows];
    start += p.rows;
    return { hflayers, hflayersShape, rows, ...weight(p) };
  });
}

/**
 * The weight map of an hflayers module (its constructor arguments parsed by `parseHflayersKwargs`)
 * to the AiT.js layer that computes the same function (see `aitjsArgsFromHflayers`):
 *
 * - `norm_stored_pattern`, `norm_state_pattern`, `norm_pattern_projection` (`weight`, `bias`) ->
 *   `norm_stored`, `norm_state`, `norm_projection` (`gamma`, `beta`);
 * - `association_core.in_proj_weight` (packed rows `[q; k; v]` of the non-static projections,
 *   when hflayers' `_qkv_same_embed_dim`) or `q_proj_weight` / `k_proj_weight` / `v_proj_weight`
 *   -> the kernels of `state_projection`, `stored_projection`, `pattern_projection`, transposed;
 *   `in_proj_bias` (rows `[q; k; v]`, the value rows present even when the values are static or
 *   connected, and then unused) -> their biases;
 * - `association_core.p_norm_weight` / `p_norm_bias` -> `hopfield_norm_gamma` / `hopfield_norm_beta`;
 * - `association_core.out_proj` -> `output_projection` (kernel transposed);
 * - `association_core.bias_k` / `bias_v` (`concat_bias_pattern`): unused, hflayers never appends them;
 * - `pooling_weights` -> `state_patterns` (reshaped); `lookup_weights` -> `lookup_weights`;
 *   `target_weights` -> `lookup_targets`.
 *
 * AiT.js names are below the layer; the wrappers' inner association is `hopfield/` on the AiT.js
 * side and `hopfield.` on the hflayers side. Throws an {@link HflayersInteropError}
 * (`unsupported-config`) where hflayers itself rejects the arguments.
 */
export function hflayersWeightMap(cfg: HflayersModuleConfig): HflayersWeightMap {
  const resolved = resolveHflayersDimensions(cfg);
  if (!resolved.ok) throw new HflayersInteropError('unsupported-config', `hflayers ${cfg.module} weight map`, resolved.problems);
  const d = resolved.dims;
  const a = cfg.hopfield;
  const wrapped = cfg.module !== 'Hopfield';
  const hf = wrapped ? 'hopfield.' : '';
  const ait = wrapped ? 'hopfield/' : '';
  const pairs: HflayersWeightPair[] = [];
  const unused: HflayersUnusedTensor[] = [];
  const tensors = new Map<string, readonly number[]>();
  const tensor = (name: string, shape: readonly number[]): string => {
    tensors.set(name, shape);
    return name;
  };
  const whole = (hflayers: string, aitjs: string, shape: readonly number[], layout: HflayersLayout = 'copy'): void => {
    pairs.push({ hflayers: tensor(hflayers, shape), hflayersShape: shape, aitjs, aitjsShape: shape, layout });
  };

  const H = d.heads;
  const qRows = a.state_pattern_as_static ? 0 : H * d.hidden;
  const kRows = a.stored_pattern_as_static ? 0 : H * d.hidden;
  const vProjected = !a.pattern_projection_as_static;
  const vRows = vProjected ? H * d.pattern : 0;
  const projected = qRows + kRows + vRows > 0;
  const core = `${hf}association_core.`;
  if (!d.staticExecution && projected) {
    const parts: ProjectionPart[] = [];
    if (qRows > 0) parts.push({ rows: qRows, aitjs: `${ait}state_projection`, input: d.widths.state, units: qRows });
    if (kRows > 0) parts.push({ rows: kRows, aitjs: `${ait}stored_projection`, input: d.widths.stored, units: kRows });
    if (vRows > 0) parts.push({ rows: vRows, aitjs: `${ait}pattern_projection`, input: d.widths.projection, units: vRows });
    if (d.packed) {
      const shape = [qRows + kRows + vRows, d.embed as number];
      const name = tensor(`${core}in_proj_weight`, shape);
      pairs.push(
        ...packedPairs(name, shape, parts, (p) => ({ aitjs: `${p.aitjs}/kernel`, aitjsShape: [p.input, p.units], layout: 'transpose' })),
      );
    } else {
      const names: Record<string, string> = {
        state_projection: 'q_proj_weight',
        stored_projection: 'k_proj_weight',
        pattern_projection: 'v_proj_weight',
      };
      for (const p of parts) {
        const shape = [p.rows, p.input];
        const name = tensor(`${core}${names[p.aitjs.slice(ait.length)] as string}`, shape);
        pairs.push({
          hflayers: name,
          hflayersShape: shape,
          aitjs: `${p.aitjs}/kernel`,
          aitjsShape: [p.input, p.units],
          layout: 'transpose',
        });
      }
    }
    if (a.input_bias) {
      // hflayers sizes in_proj_bias (not q) * H*hidden + (not k) * H*hidden + H*pattern, whether or not the values are projected.
      const valueRows = H * d.pattern;
      const shape = [qRows + kRows + valueRows];
      const name = tensor(`${core}in_proj_bias`, shape);
      pairs.push(...packedPairs(name, shape, parts, (p) => ({ aitjs: `${p.aitjs}/bias`, aitjsShape: [p.units], layout: 'copy' })));
      if (!vProjected) {
        unused.push({
          hflayers: name,
          hflayersShape: shape,
          rows: [qRows + kRows, qRows + kRows + valueRows],
          note: a.pattern_projection_as_connected
            ? 'value bias rows: connected values use the stored-pattern bias'
            : 'value bias rows: static values are not projected',
        });
      }
    }
  }
  if (a.normalize_hopfield_space_affine) {
    whole(`${core}p_norm_weight`, `${ait}hopfield_norm_gamma`, [d.hidden]);
    whole(`${core}p_norm_bias`, `${ait}hopfield_norm_beta`, [d.hidden]);
  }
  if (!a.disable_out_projection) {
    const shape = [d.output, H * d.pattern];
    pairs.push({
      hflayers: tensor(`${core}out_proj.weight`, shape),
      hflayersShape: shape,
      aitjs: `${ait}output_projection/kernel`,
      aitjsShape: [H * d.pattern, d.output],
      layout: 'transpose',
    });
    if (a.input_bias) whole(`${core}out_proj.bias`, `${ait}output_projection/bias`, [d.output]);
  }
  if (a.concat_bias_pattern) {
    for (const n of ['bias_k', 'bias_v']) {
      const shape = [1, 1, H * d.hidden];
      unused.push({
        hflayers: tensor(`${core}${n}`, shape),
        hflayersShape: shape,
        note: 'bias pattern: created by concat_bias_pattern but never appended by hflayers',
      });
    }
  }
  const norms: [boolean, boolean, string, string, number][] = [
    [a.normalize_stored_pattern, a.normalize_stored_pattern_affine, 'norm_stored_pattern', 'norm_stored', d.widths.stored],
    [a.normalize_state_pattern, a.normalize_state_pattern_affine, 'norm_state_pattern', 'norm_state', d.widths.state],
    [
      a.normalize_pattern_projection,
      a.normalize_pattern_projection_affine,
      'norm_pattern_projection',
      'norm_projection',
      d.widths.projection,
    ],
  ];
  for (const [on, affine, hfName, aitName, width] of norms) {
    if (!on || !affine) continue;
    whole(`${hf}${hfName}.weight`, `${ait}${aitName}/gamma`, [width]);
    whole(`${hf}${hfName}.bias`, `${ait}${aitName}/beta`, [width]);
  }
  const learned = (hfName: string, aitName: string, width: number): void => {
    const shape = a.batch_first ? [1, cfg.quantity, width] : [cfg.quantity, 1, width];
    pairs.push({
      hflayers: tensor(hfName, shape),
      hflayersShape: shape,
      aitjs: aitName,
      aitjsShape: [cfg.quantity, width],
      layout: 'reshape',
    });
  };
  if (d.learned.pooling !== null) learned('pooling_weights', 'state_patterns', d.learned.pooling);
  if (d.learned.lookup !== null) learned('lookup_weights', 'lookup_weights', d.learned.lookup);
  if (d.learned.target !== null) learned('target_weights', 'lookup_targets', d.learned.target);
  return { pairs, unused, tensors };
}
