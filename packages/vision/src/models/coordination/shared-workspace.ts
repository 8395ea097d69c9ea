import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  assertLastDim,
  assertRank,
  Dense,
  formatShape,
  globalRng,
  knownDim,
  layerArgsShape,
  LayerNorm,
  mergeHeads,
  splitHeads,
  z,
  type CallKwargs,
  type LayerArgsOf,
} from '@ait/core';
import { VisionLayer } from '../../blocks/vision-layer';
import { workspaceWriteWeights } from './workspace-attention';

/** How the shared workspace gates its slot update: per element (`unit`) or per slot (`memory`). */
export const WORKSPACE_GATE_STYLES = ['unit', 'memory'] as const;

/** One of {@link WORKSPACE_GATE_STYLES}. */
export type WorkspaceGateStyle = (typeof WORKSPACE_GATE_STYLES)[number];

const sharedWorkspaceSchema = z.strictObject({
  ...layerArgsShape,
  /** Number of memory slots M (reference: 8). */
  slots: z.number().int().positive(),
  /** Attention heads of the write and broadcast attentions; the token width must divide by it. */
  numHeads: z.number().int().positive(),
  /** Query / key width per head; default 32 (the reference's `key_size`). */
  keyDim: z.number().int().positive().default(32),
  /** How many tokens each slot may read in the write (reference: 20 on Triangle, 5 on Sort-of-CLEVR). */
  topK: z.number().int().positive(),
  /** `unit` (default): one input and forget gate per slot element; `memory`: one per slot. */
  gateStyle: z.enum(WORKSPACE_GATE_STYLES).default('unit'),
  /** Renormalise the kept write weights to sum to 1 (default false: the reference keeps the plain softmax values). */
  renormalizeTopK: z.boolean().default(false),
  /** Initial value of the learned forget-gate bias; default 1. */
  forgetBias: z.number().default(1),
  /** Initial value of the learned input-gate bias; default 0. */
  inputBias: z.number().default(0),
  /**
   * A learned bias per slot and gate unit, `gate_memory_bias [slots, 2G]` (zeros at first), added
   * to the gates from the memory, as the reference code's per-slot `GroupLinearLayer` has; default false.
   */
  slotGateBias: z.boolean().default(false),
});

/** Options of {@link SharedWorkspace} (each documented on the schema). */
export type SharedWorkspaceArgs = LayerArgsOf<typeof sharedWorkspaceSchema>;

/** What one {@link SharedWorkspace.step} produces. */
export interface WorkspaceStep {
  /** What the tokens read back from the workspace (the broadcast), `[batch, tokens, dim]`. */
  output: tf.Tensor3D;
  /** The updated memory `[batch, slots, dim]`. */
  memory: tf.Tensor3D;
  /** Write weights `[batch, heads, slots, tokens]`: exactly `topK` non-zeros per row. */
  write: tf.Tensor4D;
  /** Broadcast attention `[batch, heads, tokens, slots]` (rows sum to 1). */
  broadcast: tf.Tensor4D;
  /** Input gate `[batch, slots, dim]` (`unit`) or `[batch, slots, 1]` (`memory`). */
  inputGate: tf.Tensor3D;
  /** Forget gate, shaped like the input gate. */
  forgetGate: tf.Tensor3D;
}

/**
 * The shared global workspace of "Coordination among neural modules through a shared global
 * workspace" (Goyal et al., ICLR 2022), computed as its reference code's relational-memory write
 * and broadcast (`anirudh9119/shared_workspace`):
 *
 * Inputs `[tokens [batch, N, D], memory [batch, M, D]]`; with `u = Linear(tokens)`:
 * 1. write: slots query the tokens, `p = softmax(q(memory) k(u)^T)` per head (no `1/sqrt(d)`
 *    scale, as the reference), each slot keeps its `topK` tokens ({@link workspaceWriteWeights});
 *    `a = merge_heads(p v(u))`;
 * 2. `m = LN(memory + a)`, `m = LN(m + relu(Linear(m)))`;
 * 3. gated update: `i, f = sigmoid(gates + biases)` with gates from the tokens
 *    (`Linear(mean_N relu(w * u))`) plus the old memory (`tanh(memory)` through a per-slot linear
 *    map, plus a per-slot bias with `slotGateBias`); `memory' = i * tanh(m) + f * memory`;
 * 4. broadcast: tokens query the new slots, `softmax(q(u) k(memory')^T) v(memory')`, merged over
 *    heads: `[batch, N, D]`.
 * The query, key and value projections are shared by the write and the broadcast. The layer
 * returns `[output, memory']`. Children: `input_proj`, `query`, `key`, `value`, `memory_mlp`,
 * `memory_norm1`, `memory_norm2`, `gate_input`; own weights `gate_input_scale [D]`,
 * `gate_memory [M, D, 2G]`, with `slotGateBias` `gate_memory_bias [M, 2G]`, `input_bias [1]`,
 * `forget_bias [1]`. Serialised as `AitSharedWorkspace`.
 */
export class SharedWorkspace extends VisionLayer<typeof sharedWorkspaceSchema> {
  /** tfjs serialisation name. */
  static className = 'AitSharedWorkspace';
  private inputProj: Dense | null = null;
  private query: Dense | null = null;
  private key: Dense | null = null;
  private value: Dense | null = null;
  private memoryMlp: Dense | null = null;
  private memoryNorm1: LayerNorm | null = null;
  private memoryNorm2: LayerNorm | null = null;
  private gateInput: Dense | null = null;
  private gateInputScale: LayerVariable | null = null;
  private gateMemory: LayerVariable | null = null;
  private gateMemoryBias: LayerVariable | null = null;
  private inputBias: LayerVariable | null = null;
  private forgetBias: LayerVariable | null = null;

  constructor(args: SharedWorkspaceArgs) {
    super('SharedWorkspace', sharedWorkspaceSchema, args);
  }

  /** Width of one gate: the slot width for `unit` gating, 1 for `memory` gating. */
  private get gateWidth(): number {
    return this.config.gateStyle === 'unit' ? this.dim : 1;
  }

  private shapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    const list = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    if (list.length !== 2) {
      throw new Error(`${this.where}: expects two inputs [tokens [batch, N, D], memory [batch, M, D]], got ${list.length}.`);
    }
    return list as [Shape, Shape];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [tokens, memory] = this.shapes(inputShape);
    assertRank(this.where, 'tokens', { shape: tokens }, [3], '[batch, tokens, dim]');
    assertRank(this.where, 'memory', { shape: memory }, [3], '[batch, slots, dim]');
    this.dim = knownDim(this.where, 'tokens', tokens, -1);
    if (this.dim % this.config.numHeads !== 0) {
      throw new Error(
        `${this.where}: the token width ${this.dim} is not divisible by numHeads = ${this.config.numHeads}; the value ` +
          `heads split the width evenly. Choose a width that numHeads divides.`,
      );
    }
    const trainable = this.trainable;
    const d = this.dim;
    const qk = this.config.numHeads * this.config.keyDim;
    this.inputProj = this.track(new Dense({ units: d, name: 'input_proj', trainable }));
    this.query = this.track(new Dense({ units: qk, name: 'query', trainable }));
    this.key = this.track(new Dense({ units: qk, name: 'key', trainable }));
    this.value = this.track(new Dense({ units: d, name: 'value', trainable }));
    this.memoryMlp = this.track(new Dense({ units: d, activation: 'relu', name: 'memory_mlp', trainable }));
    this.memoryNorm1 = this.track(new LayerNorm({ name: 'memory_norm1', trainable }));
    this.memoryNorm2 = this.track(new LayerNorm({ name: 'memory_norm2', trainable }));
    this.gateInput = this.track(new Dense({ units: 2 * this.gateWidth, name: 'gate_input', trainable }));
    const normal = (stddev: number) => (): ReturnType<typeof initializers.randomNormal> =>
      initializers.randomNormal({ mean: 0, stddev, seed: globalRng().nextSeed() });
    this.gateInputScale = this.addWeightAfterChildren('gate_input_scale', [d], normal(1));
    this.gateMemory = this.addWeightAfterChildren('gate_memory', [this.config.slots, d, 2 * this.gateWidth], normal(0.01));
    if (this.config.slotGateBias) {
      this.gateMemoryBias = this.addWeight('gate_memory_bias', [this.config.slots, 2 * this.gateWidth], 'float32', initializers.zeros());
    }
    this.inputBias = this.addWeight('input_bias', [1], 'float32', initializers.constant({ value: this.config.inputBias }));
    this.forgetBias = this.addWeight('forget_bias', [1], 'float32', initializers.constant({ value: this.config.forgetBias }));
    this.buildByCalling([
      [null, null, d],
      [null, this.config.slots, d],
    ]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const [tokens, memory] = this.shapes(inputShape);
    return [tokens, memory];
  }

  /**
   * One write-update-broadcast step: `tokens [batch, N, D]`, `memory [batch, M, D]` ->
   * {@link WorkspaceStep}. All returned tensors belong to the caller.
   */
  step(tokens: tf.Tensor, memory: tf.Tensor, kwargs: CallKwargs = {}): WorkspaceStep {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    assertRank(this.where, 'tokens', tokens, [3], '[batch, tokens, dim]');
    assertRank(this.where, 'memory', memory, [3], '[batch, slots, dim]');
    assertLastDim(this.where, 'tokens', tokens, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    if (memory.shape[1] !== this.config.slots || memory.shape[2] !== this.dim || memory.shape[0] !== tokens.shape[0]) {
      throw new Error(
        `${this.where}: memory must have shape [${tokens.shape[0]}, ${this.config.slots}, ${this.dim}] (batch, slots, width), ` +
          `got ${formatShape(memory.shape)}.`,
      );
    }
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    const h = this.config.numHeads;
    const [inputProj, query, key, value] = [this.inputProj, this.query, this.key, this.value] as Dense[] as [Dense, Dense, Dense, Dense];
    const [memoryMlp, gateInput] = [this.memoryMlp, this.gateInput] as [Dense, Dense];
    const [memoryNorm1, memoryNorm2] = [this.memoryNorm1, this.memoryNorm2] as [LayerNorm, LayerNorm];
    return tf.tidy(() => {
      const u = this.callChild(inputProj, tokens, kw);
      // 1. Write: slots query the tokens with top-k competition.
      const qm = splitHeads(this.callChild(query, memory, kw), h);
      const ku = splitHeads(this.callChild(key, u, kw), h);
      const vu = splitHeads(this.callChild(value, u, kw), h);
      const { weights: write } = workspaceWriteWeights(tf.matMul(qm, ku, false, true), this.config.topK, this.config.renormalizeTopK);
      const attended = mergeHeads(tf.matMul(write, vu));
      // 2. Slot update (relational-memory MLP, post-norm).
      let m = this.callChild(memoryNorm1, tf.add(memory, attended), kw);
      m = this.callChild(memoryNorm2, tf.add(m, this.callChild(memoryMlp, m, kw)), kw);
      // 3. Input and forget gates from the tokens and the old memory.
      const scale = (this.gateInputScale as LayerVariable).read();
      const pooled = tf.mean(tf.relu(tf.mul(u, scale)), 1);
      const fromTokens = tf.expandDims(this.callChild(gateInput, pooled, kw), 1);
      const perSlot = tf.matMul(tf.transpose(tf.tanh(memory), [1, 0, 2]), (this.gateMemory as LayerVariable).read());
      let fromMemory = tf.transpose(perSlot, [1, 0, 2]);
      if (this.gateMemoryBias) fromMemory = tf.add(fromMemory, this.gateMemoryBias.read());
      const gates = tf.add(fromTokens, fromMemory);
      const [gi, gf] = tf.split(gates, 2, -1) as [tf.Tensor, tf.Tensor];
      const inputGate = tf.sigmoid(tf.add(gi, (this.inputBias as LayerVariable).read()));
      const forgetGate = tf.sigmoid(tf.add(gf, (this.forgetBias as LayerVariable).read()));
      const next = tf.add(tf.mul(inputGate, tf.tanh(m)), tf.mul(forgetGate, memory));
      // 4. Broadcast: tokens query the updated slots (same projections, no top-k).
      const qu = splitHeads(this.callChild(query, u, kw), h);
      const kn = splitHeads(this.callChild(key, next, kw), h);
      const vn = splitHeads(this.callChild(value, next, kw), h);
      const broadcast = tf.softmax(tf.matMul(qu, kn, false, true), -1);
      const output = mergeHeads(tf.matMul(broadcast, vn));
      return {
        output: output as tf.Tensor3D,
        memory: next as tf.Tensor3D,
        write: write as tf.Tensor4D,
        broadcast: broadcast as tf.Tensor4D,
        inputGate: inputGate as tf.Tensor3D,
        forgetGate: forgetGate as tf.Tensor3D,
      };
    });
  }

  /** `[tokens, memory]` -> `[output [batch, N, D], memory' [batch, M, D]]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== 2) {
      throw new Error(`${this.where}: expects two inputs [tokens [batch, N, D], memory [batch, M, D]], got ${list.length}.`);
    }
    const s = this.step(list[0] as tf.Tensor, list[1] as tf.Tensor, kwargs);
    tf.dispose([s.write, s.broadcast, s.inputGate, s.forgetGate]);
    return [s.output, s.memory];
  }
}
tf.serialization.registerClass(SharedWorkspace);
