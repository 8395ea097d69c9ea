import { Hopfield } from '../layers/hopfield';
import { HopfieldLayer, type HopfieldLayerArgs } from '../layers/hopfield-layer';
import { type AssociationActivation, type HopfieldArgs } from '../layers/hopfield-options';
import { HopfieldPooling, type HopfieldPoolingArgs } from '../layers/hopfield-pooling';
import { type HflayersDimensions } from './hflayers-dimensions';
import { type HflayersModule, type HflayersModuleConfig } from './hflayers-kwargs';

/** The `@ait/hopfield` layers with a map to hflayers: `Hopfield`, `HopfieldPooling`, `HopfieldLayer`. */
export type HflayersMappedLayer = Hopfield | HopfieldPooling | HopfieldLayer;

/** The AiT.js layer options of each module, by module. */
export interface AitjsArgsOf {
  Hopfield: HopfieldArgs;
  HopfieldPooling: HopfieldPoolingArgs;
  HopfieldLayer: HopfieldLayerArgs;
}

/** The association activations both sides compute alike: hflayers' `getattr(torch, name)` and AiT.js's activation of the same name. */
export const HFLAYERS_ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const satisfies readonly AssociationActivation[];

/** The hflayers module an AiT.js layer corresponds to. */
export function hflayersModuleOf(layer: HflayersMappedLayer): HflayersModule {
  if (layer instanceof Hopfield) return 'Hopfield';
  if (layer instanceof HopfieldPooling) return 'HopfieldPooling';
  if (layer instanceof HopfieldLayer) return 'HopfieldLayer';
  throw new TypeError('the hflayers maps exist for a Hopfield, HopfieldPooling or HopfieldLayer of @ait/hopfield only');
}

/** The AiT.js layer class of an hflayers module. */
export function aitjsLayerOf<M extends HflayersModule>(module: M, args: AitjsArgsOf[M]): HflayersMappedLayer {
  if (module === 'Hopfield') return new Hopfield(args as HopfieldArgs);
  if (module === 'HopfieldPooling') return new HopfieldPooling(args as HopfieldPoolingArgs);
  return new HopfieldLayer(args as HopfieldLayerArgs);
}

/** The inner association of a mapped layer (the layer itself for `Hopfield`). */
export function innerHopfield(layer: HflayersMappedLayer): Hopfield {
  return layer instanceof Hopfield ? layer : layer.hopfield;
}

/** A module's config translated for AiT.js: the layer options, the input shapes to build it with, and what to know. */
export interface AitjsFromHflayers<M extends HflayersModule = HflayersModule> {
  readonly module: M;
  /** Options of the AiT.js layer that computes what the module computes (sizes and scaling explicit). */
  readonly args: AitjsArgsOf[M];
  /** Input shapes the layer is built with (`[batch, patterns, width]`, unknown sizes null): the module's widths. */
  readonly inputShapes: (number | null)[][];
  /** The module's widths, as hflayers resolves them. */
  readonly dims: HflayersDimensions;
  /** hflayers' arguments, every default filled in. */
  readonly config: HflayersModuleConfig;
  /** Differences that do not change the inference output, each in a sentence (dropout draws, ignored tensors, layouts). */
  readonly notes: readonly string[];
}
