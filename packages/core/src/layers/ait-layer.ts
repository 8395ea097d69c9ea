import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { currentForwardContext } from '../training/forward-context';
import type { z } from '../config/validate-config';
import type { AitLayerArgs } from './layer-args-schema';
import { configDict, parseLayerConfig, type LayerConfigOf } from './layer-config';

/** Keyword arguments a layer's `call` receives (`training` is the one the library uses). */
export type CallKwargs = Record<string, unknown> & { training?: boolean };

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
   * Runs a tracked child on eager tensors (call it from `call`), building it first if needed.
   */
  protected callChild(child: AitLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs = {}): tf.Tensor {
    if (!child.built) {
      const shapes = Array.isArray(inputs) ? inputs.map((t) => t.shape) : inputs.shape;
      this.buildChild(child, shapes);
    }
    return child.call(inputs, kwargs) as tf.Tensor;
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
   * freed with the layer. Read them with {@link AitLayer.keptCopy}.
   */
  protected keepCopy(slot: string, t: tf.Tensor): void {
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
   * never called can be disposed too, unlike a plain tfjs layer.
   */
  override dispose(): ReturnType<layers.Layer['dispose']> {
    const self = this as unknown as { _refCount: number | null };
    if (this.built && self._refCount === null) self._refCount = 1;
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.disposeResourcesTree();
    return result;
  }
}
