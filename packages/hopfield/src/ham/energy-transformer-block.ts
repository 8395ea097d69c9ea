import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { energyTransformerDescent, energyTransformerEnergy, type EnergyTransformerParams } from './energy-transformer';

const energyTransformerBlockSchema = z.strictObject({
  ...layerArgsShape,
  /** Attention heads. */
  numHeads: z.number().int().positive(),
  /** Width of each head's queries and keys. */
  headDim: z.number().int().positive(),
  /** Number of Hopfield memories (the ReLU-squared energy that replaces the MLP). */
  numMemories: z.number().int().positive(),
  /** Descent steps per call; default 12. */
  steps: z.number().int().nonnegative().default(12),
  /** Step size `alpha`; default 0.1. */
  stepSize: z.number().positive().finite().default(0.1),
  /** Attention inverse temperature; default (`null`) `1 / sqrt(headDim)`. */
  beta: z.number().positive().finite().nullable().default(null),
  /** Layer-norm epsilon; default 1e-5. */
  epsilon: z.number().positive().finite().default(1e-5),
  /** Standard deviation of the (truncated normal) initial weights; default 0.02. */
  initStddev: z.number().positive().finite().default(0.02),
  /** Whether `call` returns `[tokens, energies [batch, steps + 1]]`; default false. */
  returnEnergies: z.boolean().default(false),
});

/** Options of {@link EnergyTransformerBlock} (each documented on the schema), plus the tfjs layer arguments. */
export type EnergyTransformerBlockArgs = LayerArgsOf<typeof energyTransformerBlockSchema>;

/** The validated options of an {@link EnergyTransformerBlock}, defaults applied. */
export type EnergyTransformerBlockConfig = LayerConfigOf<typeof energyTransformerBlockSchema>;

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
  /** The validated options (serialised by `getConfig`). */
  readonly config: EnergyTransformerBlockConfig;
  private wq: LayerVariable | null = null;
  private wk: LayerVariable | null = null;
  private memories: LayerVariable | null = null;
  private gamma: LayerVariable | null = null;
  private delta: LayerVariable | null = null;
  private dim = -1;

  constructor(args: EnergyTransformerBlockArgs) {
    super(args);
    this.config = this.configureLayer('EnergyTransformerBlock', energyTransformerBlockSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.layerLabel, inputShape);
    assertRank(this.layerLabel, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.layerLabel, 'x', shape, -1);
    const { numHeads, headDim, numMemories, initStddev } = this.config;
    const init = (): ReturnType<typeof createKernelInitializer> => createKernelInitializer('truncatedNormal', initStddev);
    this.wq = this.addWeight('query_weights', [numHeads, headDim, this.dim], 'float32', init());
    this.wk = this.addWeight('key_weights', [numHeads, headDim, this.dim], 'float32', init());
    this.memories = this.addWeight('memories', [numMemories, this.dim], 'float32', init());
    this.gamma = this.addWeight('norm_gamma', [1], 'float32', initializers.ones());
    this.delta = this.addWeight('norm_delta', [this.dim], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = singleShape(this.layerLabel, inputShape);
    return this.config.returnEnergies ? [shape, [shape[0] ?? null, this.config.steps + 1]] : shape;
  }

  /** The current parameters (the layer's variables). */
  params(): EnergyTransformerParams {
    if (!this.built) throw new Error(`${this.layerLabel}: the layer is not built yet; call it through apply() first.`);
    return {
      queryWeights: (this.wq as LayerVariable).read(),
      keyWeights: (this.wk as LayerVariable).read(),
      memories: (this.memories as LayerVariable).read(),
      normGamma: (this.gamma as LayerVariable).read(),
      normDelta: (this.delta as LayerVariable).read(),
    };
  }

  private options(): { beta?: number; eps: number } {
    return { ...(this.config.beta != null ? { beta: this.config.beta } : {}), eps: this.config.epsilon };
  }

  /** `steps` descent steps; see the class description. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    const x = singleTensor(this.layerLabel, inputs);
    assertRank(this.layerLabel, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.layerLabel, 'x', x, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    const r = energyTransformerDescent(x, this.params(), {
      ...this.options(),
      steps: this.config.steps,
      stepSize: this.config.stepSize,
      recordEnergies: this.config.returnEnergies,
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
      steps: options.steps ?? this.config.steps,
      stepSize: options.stepSize ?? this.config.stepSize,
      recordEnergies: true,
    });
    return { state: r.state, energies: r.energies as tf.Tensor };
  }
}
tf.serialization.registerClass(EnergyTransformerBlock);
