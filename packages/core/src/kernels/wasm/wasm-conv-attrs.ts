import type * as tf from '@tensorflow/tfjs-core';

/** The attributes tfjs passes `Conv2D` and its two gradient kernels, typed. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  /** `'NHWC'` where tfjs passed none. */
  dataFormat: 'NHWC' | 'NCHW';
  /** 1 where tfjs passed none (the gradient kernels take no dilations). */
  dilations: number | [number, number];
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined;
}

/** Reads {@link ConvAttrs} from a convolution kernel's `attrs`. */
export function convAttrs(attrs: tf.NamedAttrMap): ConvAttrs {
  return {
    strides: attrs.strides as number | [number, number],
    pad: attrs.pad as ConvAttrs['pad'],
    dataFormat: (attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
    dilations: (attrs.dilations as number | [number, number] | undefined) ?? 1,
    dimRoundingMode: attrs.dimRoundingMode as ConvAttrs['dimRoundingMode'],
  };
}
