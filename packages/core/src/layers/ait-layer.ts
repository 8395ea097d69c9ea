import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { createForwardContext, currentForwardContext, discardStateUpdates, runWithForwardContext } from '../training/forward-context';
import type { z } from '../config/validate-config';
import type { WeightInitializer } from './kernel-initializer';
import type { AitLayerArgs } from './layer-args-schema';
import { configDict, parseLayerConfig, type LayerConfigOf } from './layer-config';
import { toShapeList } from './layer-inputs';

/** Keyword arguments a layer's `call` receives (`training` is the one the library uses). */
export type CallKwargs = Record<string, unknown> & { training?: boolean };

/** How many {@link AitLayer.buildByCalling} probes are running (they nest: a child may probe inside its parent's). */
let probeDepth = 0;

/** Whether `inputs` are eager tensors (not the symbolic tensors of a tfjs model being assembled). */
function isEager(inputs: unknown): boolean {
  const first: unknown = Array.isArray(inputs) ? inputs[0] : inputs;
  return first instanceof tf.Tensor;
}

/**
 * Base class of every AiT.js layer: a `tf.layers.Layer` that can own child layers.
 *
 * Children registered with {@link AitLayer.track} contribute their weights to this layer's
 * `trainableWeights` / `nonTrainableWeights` (so `getWeights`, `setWeights`, `model.save` and
 * optimisers see them) and are disposed with it. Their weights are named
 * `<parent>/<child>/<weight>`, the same at save and load time, because children get fixed names.
 */
export abstract class AitLayer extends layers.Layer {
  private readonly childLayers: AitLayer[] = [];
  private weightScope: string | null = null;
  private readonly copies = new Map<string, tf.Tensor>();
  private ownConfig: object | undefined;
  private aitLayerKind: string | undefined;
  /** Set while this layer is built for inputs it is called with right after (see {@link AitLayer.buildByCalling}). */
  private callFollows = false;
  private readonly lateInitializers: { variable: LayerVariable; shape: number[]; initializer: () => WeightInitializer }[] = [];

  /** Registers `child` as part of this layer and returns it. Give the child a fixed `name`. */
  protected track<T extends AitLayer>(child: T): T {
    this.childLayers.push(child);
    return child;
  }

  /** The child layers registered with {@link AitLayer.track}, in order. */
  get children(): readonly AitLayer[] {
    return this.childLayers;
  }

  /**
   * Builds a tracked child for `inputShape` (call it from `build`), scoping its weight names
   * under this layer.
   */
  protected buildChild(child: AitLayer, inputShape: Shape | Shape[]): void {
    if (child.built) return;
    child.weightScope = this.weightScope ? `${this.weightScope}/${child.name}` : child.name;
    child.build(inputShape as never);
    child.built = true;
  }

  /**
   * Runs a tracked child on eager tensors (call it from `call`), building it first if needed for
   * the shapes of `inputs`.
   */
  protected callChild(child: AitLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs = {}): tf.Tensor {
    return this.prepareChild(child, inputs).call(inputs, kwargs) as tf.Tensor;
  }

  /**
   * Returns the tracked child, built first if needed for the shapes of `inputs`, the tensors the
   * caller passes it right away: call it before using a child's own methods (`attend`, `read`,
   * ...) from `call`, as {@link AitLayer.callChild} does before `call`. A child built here skips its
   * own {@link AitLayer.buildByCalling} pass: the call that follows builds its children.
   */
  protected prepareChild<T extends AitLayer>(child: T, inputs: tf.Tensor | tf.Tensor[]): T {
    if (child.built) return child;
    child.callFollows = true;
    try {
      this.buildChild(child, Array.isArray(inputs) ? inputs.map((t) => t.shape) : inputs.shape);
    } finally {
      child.callFollows = false;
    }
    return child;
  }

  /**
   * Builds a composite layer by running its forward pass once (call it at the end of `build`, after
   * checking the input and creating the layer's own weights and the children that depend on it):
   * `call` runs in `tf.tidy` on zeros shaped like `inputShape` with every unknown (`null`)
   * dimension, the batch included, set to 1, with `training: false`, so that
   * {@link AitLayer.callChild} and {@link AitLayer.prepareChild} build every child, in the order of
   * the forward pass, for the shapes it really gets. Give `inputShape` the dimensions the layer's
   * weights depend on and `null` elsewhere (usually `[null, null, dim]` for tokens), so that the
   * pass stays small. Nothing of it is kept: its outputs are disposed, auxiliary losses and state
   * updates (e.g. a memory's) are discarded, and {@link AitLayer.keepCopy} records nothing.
   * The pass is skipped when the layer is built for inputs it is called with right after (eager
   * `apply`, `callChild`, `prepareChild`), since that call builds the children, unless the layer
   * has weights from {@link AitLayer.addWeightAfterChildren}.
   */
  protected buildByCalling(inputShape: Shape | Shape[]): void {
    this.built = true;
    if (this.callFollows && this.lateInitializers.length === 0) return;
    const shapes = toShapeList(inputShape);
    const one = shapes.length === 1 && !(inputShape.length > 0 && Array.isArray(inputShape[0]));
    const ctx = createForwardContext(false);
    probeDepth++;
    try {
      tf.tidy(() => {
        const inputs = shapes.map((s) => tf.zeros(s.map((d) => d ?? 1)));
        runWithForwardContext(ctx, () => {
          this.call(one ? (inputs[0] as tf.Tensor) : inputs, { training: false });
        });
      });
    } catch (e) {
      this.built = false;
      throw e;
    } finally {
      probeDepth--;
      discardStateUpdates(ctx);
      tf.dispose(ctx.auxLosses.map((l) => l.value));
    }
    for (const { variable, shape, initializer } of this.lateInitializers.splice(0)) {
      tf.tidy(() => {
        variable.write(initializer().apply(shape, 'float32'));
      });
    }
  }

  /**
   * Adds a weight (call it from `build`, before {@link AitLayer.buildByCalling}) whose initial values
   * are drawn after `buildByCalling` has built the children: `initializer` is created then, so a
   * seeded initialiser (`createKernelInitializer`, or one seeded from `globalRng()`) takes its seed
   * after theirs, the order of a layer that builds its children before its own weights. Until then
   * the weight holds zeros. The weight's place among the layer's weights is where it is added.
   */
  protected addWeightAfterChildren(
    name: string,
    shape: number[],
    initializer: () => WeightInitializer,
    trainable?: boolean,
  ): LayerVariable {
    const variable = this.addWeight(name, shape, 'float32', initializers.zeros(), undefined, trainable);
    this.lateInitializers.push({ variable, shape, initializer });
    return variable;
  }

  /** Whether a {@link AitLayer.buildByCalling} pass is running: a layer records nothing of it (maps, copies). */
  protected get inBuildPass(): boolean {
    return probeDepth > 0;
  }

  /**
   * Applies the layer as tfjs does; when eager tensors build it, its `build` knows that the call
   * follows (see {@link AitLayer.buildByCalling}).
   */
  override apply(...args: Parameters<layers.Layer['apply']>): ReturnType<layers.Layer['apply']> {
    if (this.built || this.initialWeights != null || !isEager(args[0])) return super.apply(...args);
    this.callFollows = true;
    try {
      return super.apply(...args);
    } finally {
      this.callFollows = false;
    }
  }

  override addWeight(...args: Parameters<layers.Layer['addWeight']>): LayerVariable {
    const [name, ...rest] = args;
    const scoped = this.weightScope ? `${this.weightScope}/${name}` : name;
    return super.addWeight(scoped, ...rest);
  }

  override get trainableWeights(): LayerVariable[] {
    if (!this.trainable) return [];
    const own = super.trainableWeights;
    return own.concat(...this.childLayers.map((c) => c.trainableWeights));
  }

  override set trainableWeights(weights: LayerVariable[]) {
    super.trainableWeights = weights;
  }

  override get nonTrainableWeights(): LayerVariable[] {
    const own = super.nonTrainableWeights;
    // A frozen parent froze its children too, so their nonTrainableWeights hold everything.
    return own.concat(...this.childLayers.map((c) => c.nonTrainableWeights));
  }

  override set nonTrainableWeights(weights: LayerVariable[]) {
    super.nonTrainableWeights = weights;
  }

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    for (const c of this.childLayers ?? []) c.trainable = value;
  }

  /**
   * Whether this call is a training pass: the explicit `training` keyword wins, else the
   * enclosing training loop's forward context, else `false`.
   */
  protected isTraining(kwargs: CallKwargs | undefined): boolean {
    if (kwargs && typeof kwargs.training === 'boolean') return kwargs.training;
    return currentForwardContext()?.training ?? false;
  }

  /**
   * Keeps a copy of `t` under `slot` (outside any `tf.tidy`), freeing the copy it replaces; for
   * what a layer records of its last call (attention weights, gates, associations). Copies are
   * freed with the layer. Read them with {@link AitLayer.keptCopy}. Does nothing during a
   * {@link AitLayer.buildByCalling} pass.
   */
  protected keepCopy(slot: string, t: tf.Tensor): void {
    if (probeDepth > 0) return;
    const previous = this.copies.get(slot);
    this.copies.set(slot, tf.keep(tf.clone(t)));
    previous?.dispose();
  }

  /** The copy kept under `slot` by {@link AitLayer.keepCopy}, or `null`; it belongs to the layer. */
  protected keptCopy<T extends tf.Tensor = tf.Tensor>(slot: string): T | null {
    return (this.copies.get(slot) as T | undefined) ?? null;
  }

  /**
   * Frees the tensors this layer keeps beside its weights (recorded maps, cached constant tables)
   * other than its {@link AitLayer.keepCopy} copies, which are freed anyway.
   * Called once, when the layer's last reference is disposed, for the layer and every tracked child
   * (children are called by their parent, never through `apply`, so they hold no reference count
   * of their own). Override it instead of `dispose`; the default frees nothing.
   */
  protected disposeResources(): void {
    // nothing beyond the weights by default
  }

  /** Runs {@link AitLayer.disposeResources} for this layer and its tracked children, depth first. */
  private disposeResourcesTree(): void {
    for (const c of this.childLayers) c.disposeResourcesTree();
    this.disposeOwnResources();
  }

  private disposeOwnResources(): void {
    this.disposeResources();
    tf.dispose([...this.copies.values()]);
    this.copies.clear();
  }

  /**
   * Records `config`, the layer's own validated options (from `parseLayerConfig`), as what
   * {@link AitLayer.getConfig} serialises, and returns it for the layer's `config` field:
   * `this.config = this.useConfig(config)` ({@link AitLayer.configureLayer} validates and records in
   * one call). A subclass calling it again replaces the record. The base class reserves no field
   * name, so subclasses of your own may keep theirs.
   */
  protected useConfig<T extends object>(config: T): T {
    this.ownConfig = config;
    return config;
  }

  /**
   * Validates the layer's own options in `args` against its `schema` ({@link parseLayerConfig}: a
   * `ConfigError` naming `kind` and every bad field), records them with {@link AitLayer.useConfig}
   * and `kind` for {@link AitLayer.layerLabel}, and returns them for the layer's `config` field. Call it
   * in the constructor, after `super(args)`: `this.config = this.configureLayer('Dense', denseSchema, args)`.
   */
  protected configureLayer<S extends z.ZodType>(kind: string, schema: S, args: AitLayerArgs | undefined): LayerConfigOf<S> {
    this.aitLayerKind = kind;
    return this.useConfig(parseLayerConfig(kind, schema, args));
  }

  /**
   * The layer as error messages name it, `Kind 'name'` (e.g. `Dense 'dense_1'`): the kind given to
   * {@link AitLayer.configureLayer}, else the serialisation class name.
   */
  protected get layerLabel(): string {
    return `${this.aitLayerKind ?? this.getClassName()} '${this.name}'`;
  }

  /** The tfjs base config (name, trainable, ...) and the options given to {@link AitLayer.useConfig}, as JSON. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.ownConfig === undefined ? {} : configDict(this.ownConfig)) };
  }

  /**
   * Disposes the layer: when its last reference goes, its weights and its children's (they are
   * part of its weights), and every tensor the layer or a child keeps beside them (see
   * {@link AitLayer.disposeResources}). A layer that was built (`build`, or through a parent) but
   * never called can be disposed too, unlike a plain tfjs layer; so can one never built, or whose
   * build failed part-way (a model given inputs it does not take): that frees what its children
   * built so far hold, so an error is not hidden by the clean-up after it.
   */
  override dispose(): ReturnType<layers.Layer['dispose']> {
    if (!this.built) {
      let numDisposedVariables = 0;
      for (const c of this.childLayers) numDisposedVariables += c.dispose().numDisposedVariables;
      this.disposeOwnResources();
      return { refCountAfterDispose: 0, numDisposedVariables };
    }
    const self = this as unknown as { _refCount: number | null };
    if (self._refCount === null) self._refCount = 1;
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.disposeResourcesTree();
    return result;
  }
}
