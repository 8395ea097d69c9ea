import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  layerLabel,
  singleShape,
  singleTensor,
  validateConfig,
  z,
  type AitLayerArgs,
  type CallKwargs,
} from '@ait/core';
import { energyTransformerDescent, energyTransformerEnergy, type EnergyTransformerParams } from './energy-transformer';

const schema = z.strictObject({
  ...layerArgsShape,
  numHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  numMemories: z.number().int().positive(),
  steps: z.number().int().nonnegative().default(12),
  stepSize: z.number().positive().finite().default(0.1),
  beta: z.number().positive().finite().nullish(),
  epsilon: z.number().positive().finite().default(1e-5),
  initStddev: z.number().positive().finite().default(0.02),
  returnEnergies: z.boolean().default(false),
});

/** Options of {@link EnergyTransformerBlock}. */
export interface EnergyTransformerBlockArgs extends AitLayerArgs {
  /** Attention heads. */
  numHeads: number;
  /** Width of each head's queries and keys. */
  headDim: number;
  /** Number of Hopfield memories (the ReLU-squared energy that replaces the MLP). */
  numMemories: number;
  /** Descent steps per call; default 12. */
  steps?: number;
  /** Step size `alpha`; default 0.1. */
  stepSize?: number;
  /** Attention inverse temperature; default `1 / sqrt(headDim)`. */
  beta?: number | null;
  /** Layer-norm epsilon; default 1e-5. */
  epsilon?: number;
  /** Standard deviation of the (truncated normal) initial weights; default 0.02. */
  initStddev?: number;
  /** Whether `call` returns `[tokens, energies [batch, steps + 1]]`; default false. */
  returnEnergies?: boolean;
}

/**
 * The Energy Transformer block (Hoover et al. 2023) as a tfjs layer: `steps` steps of energy
 * descent `x <- x - alpha dE/dg` on tokens `[batch, tokens, dim] -> [batch, tokens, dim]`, with the
 * energy of {@link energyTransformerEnergy} (attention energy with only query and key weights, plus
 * a ReLU-squared Hopfield memory). Weights: `query_weights`, `key_weights [heads, headDim, dim]`,
 * `memories [numMemories, dim]`, the layer norm's scalar `norm_gamma` and `norm_delta [dim]`.
 * Training backpropagates through the unrolled descent. Serialised as `AitHopfieldEnergyTransformer`.
 */
export class EnergyTransformerBlock extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldEnergyTransformer';
  private readonly cfg: z.output<typeof schema>;
  private wq: LayerVariable | null = null;
  private wk: LayerVariable | null = null;
  private memories: LayerVariable | null = null;
  private gamma: LayerVariable | null = null;
  private delta: LayerVariable | null = null;
  private dim = -1;

  constructor(args: EnergyTransformerBlockArgs) {
    const cfg = validateConfig(layerLabel('EnergyTransformerBlock', args), schema, args);
    super(args);
    this.cfg = cfg;
  }

  private get where(): string {
    return `EnergyTransformerBlock '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.where, 'x', shape, -1);
    const { numHeads, headDim, numMemories, initStddev } = this.cfg;
    const init = (): ReturnType<typeof createKernelInitializer> => createKernelInitializer('truncatedNormal', initStddev);
    this.wq = this.addWeight('query_weights', [numHeads, headDim, this.dim], 'float32', init());
    this.wk = this.addWeight('key_weights', [numHeads, headDim, this.dim], 'float32', init());
    this.memories = this.addWeight('memories', [numMemories, this.dim], 'float32', init());
    this.gamma = this.addWeight('norm_gamma', [1], 'float32', initializers.ones());
    this.delta = this.addWeight('norm_delta', [this.dim], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = singleShape(this.where, inputShape);
    return this.cfg.returnEnergies ? [shape, [shape[0] ?? null, this.cfg.steps + 1]] : shape;
  }

  /** The current parameters (the layer's variables). */
  params(): EnergyTransformerParams {
    if (!this.built) throw new Error(`${this.where}: the layer is not built yet; call it through apply() first.`);
    return {
      queryWeights: (this.wq as LayerVariable).read(),
      keyWeights: (this.wk as LayerVariable).read(),
      memories: (this.memories as LayerVariable).read(),
      normGamma: (this.gamma as LayerVariable).read(),
      normDelta: (this.delta as LayerVariable).read(),
    };
  }

  private options(): { beta?: number; eps: number } {
    return { ...(this.cfg.beta != null ? { beta: this.cfg.beta } : {}), eps: this.cfg.epsilon };
  }

  /** `steps` descent steps; see the class description. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.where, 'x', x, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    const r = energyTransformerDescent(x, this.params(), {
      ...this.options(),
      steps: this.cfg.steps,
      stepSize: this.cfg.stepSize,
      recordEnergies: this.cfg.returnEnergies,
    });
    if (!r.energies) return r.state;
    const perSample = tf.tidy(() => tf.transpose(r.energies as tf.Tensor));
    r.energies.dispose();
    return [r.state, perSample];
  }

  /** The energy of tokens `[batch, tokens, dim]` under the current weights: `[batch]`. */
  energy(x: tf.Tensor): tf.Tensor {
    if (!this.built) this.build(x.shape);
    return energyTransformerEnergy(x, this.params(), this.options());
  }

  /** Runs the descent with the energy recorded: final tokens and energies `[steps + 1, batch]`. */
  descend(x: tf.Tensor, options: { steps?: number; stepSize?: number } = {}): { state: tf.Tensor; energies: tf.Tensor } {
    if (!this.built) this.build(x.shape);
    const r = energyTransformerDescent(x, this.params(), {
      ...this.options(),
      steps: options.steps ?? this.cfg.steps,
      stepSize: options.stepSize ?? this.cfg.stepSize,
      recordEnergies: true,
    });
    return { state: r.state, energies: r.energies as tf.Tensor };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const c = this.cfg;
    return {
      ...super.getConfig(),
      numHeads: c.numHeads,
      headDim: c.headDim,
      numMemories: c.numMemories,
      steps: c.steps,
      stepSize: c.stepSize,
      beta: c.beta ?? null,
      epsilon: c.epsilon,
      initStddev: c.initStddev,
      returnEnergies: c.returnEnergies,
    };
  }
}
tf.serialization.registerClass(EnergyTransformerBlock);
