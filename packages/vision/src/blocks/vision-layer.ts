import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  knownDim,
  parseLayerConfig,
  singleShape,
  singleTensor,
  type LayerArgsOf,
  type LayerConfigOf,
  type z,
} from '@ait/core';

/**
 * Base of the layers of `@ait/vision`: validates the options against the layer's schema (a
 * `ConfigError` names every bad field) and keeps them as {@link VisionLayer.config}, which
 * `getConfig` serialises; names the layer in messages; and checks the usual single input, tokens
 * `[batch, tokens, dim]`, recording the width `dim` at build and requiring it at call.
 */
export abstract class VisionLayer<S extends z.ZodType> extends AitLayer {
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<S>;
  /** Width of the tokens the layer was built for; `-1` before build. */
  protected dim = -1;
  private readonly layerKind: string;

  /**
   * @param kind The class name used in messages, e.g. `ClassToken`.
   * @param schema The layer's zod schema (its own options plus the tfjs layer arguments).
   * @param args The options and tfjs layer arguments.
   */
  protected constructor(kind: string, schema: S, args: LayerArgsOf<S>) {
    const config = parseLayerConfig(kind, schema, args);
    super(args);
    this.layerKind = kind;
    this.config = this.useConfig(config);
  }

  /** `<kind> '<name>'`, for messages. */
  protected get where(): string {
    return `${this.layerKind} '${this.name}'`;
  }

  /** The build argument as one shape of `rank` (default tokens `[batch, tokens, dim]`), its last axis known and kept as `dim`. */
  protected inputShapeOf(inputShape: Shape | Shape[], what = 'x', rank = 3, layout = '[batch, tokens, dim]'): Shape {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, what, { shape }, [rank], layout);
    this.dim = knownDim(this.where, what, shape, -1);
    return shape;
  }

  /** The call argument as one tensor of `rank` (default tokens `[batch, tokens, dim]`) whose last axis is the built `dim`. */
  protected inputOf(inputs: tf.Tensor | tf.Tensor[], what = 'x', rank = 3, layout = '[batch, tokens, dim]'): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, what, x, [rank], layout);
    assertLastDim(this.where, what, x, this.dim, `The layer was built for width ${this.dim}.`);
    return x;
  }

  /** The output shape: by default the input's. */
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return singleShape(this.where, inputShape);
  }
}
