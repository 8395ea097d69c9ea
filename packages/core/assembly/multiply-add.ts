// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts).

/**
 * c + a * b, four lanes. In the relaxed-SIMD build (`--enable relaxed-simd`) one fused
 * multiply-add where the processor has FMA (`f32x4.relaxed_madd`: the result may differ from the
 * plain build in the last bit); in the plain build a multiply then an add, as before.
 */
// @ts-ignore: decorator
@inline export function mulAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
