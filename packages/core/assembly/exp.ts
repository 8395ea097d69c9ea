// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// e^x for 4 lanes: Cody-Waite range reduction, the Cephes expf polynomial, 2^n from exponent bits

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504;
// Cody-Waite split of ln 2 (Cephes expf)
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const ROUND_MAGIC: f32 = 12582912.0; // 1.5 * 2^23
// @ts-ignore: decorator
@inline const ROUND_MAGIC_BITS: i32 = 0x4b400000;
/** t = a log2(e) + 1.5 * 2^23: its low mantissa bits hold n = round(a log2 e), and t - magic = n. */
// @ts-ignore: decorator
@inline function roundedLog2(a: v128): v128 {
  return f32x4.add(f32x4.mul(a, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
}

/** e^r for r = a - n ln 2 (|r| <= ln(2) / 2), n from {@link roundedLog2}'s t. */
// @ts-ignore: decorator
@inline function expReduced(a: v128, t: v128): v128 {
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(a, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  return f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
}

/** e^a for 4 lanes with a <= 0 (clamped at -87, where e^a is ~1.6e-38): relative error ~1e-7. */
// @ts-ignore: decorator
@inline export function expNonPositive(a0: v128): v128 {
  // pmax(a, b) = a < b ? b : a: one instruction (max's NaN and signed-zero rules cost several)
  const a = f32x4.pmax(a0, f32x4.splat(-87.0));
  const t = roundedLog2(a);
  // 2^n from the exponent bits: bits(t) = bits(magic) + n, and n >= -126 after the clamp, so
  // the biased exponent n + 127 is >= 1
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127 - ROUND_MAGIC_BITS)), 23);
  return f32x4.mul(expReduced(a, t), scale);
}

/**
 * e^x for 4 lanes over the whole float32 range: x is clamped to [-104, 89] (beyond, e^x is 0 or
 * overflows to infinity anyway), and 2^n is applied as two factors 2^h 2^(n-h) so that results in
 * the subnormal range and up to the largest float come out right. NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function expAny(x: v128): v128 {
  // pmin/pmax keep a NaN in the first operand (one instruction each)
  const a = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const t = roundedLog2(a);
  const p = expReduced(a, t);
  const ni = i32x4.sub(t, i32x4.splat(ROUND_MAGIC_BITS));
  const h = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(h, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** y[i] = e^x[i] for i < n (relative error about 1e-7). */
export function expForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, expAny(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(expAny(f32x4.splat(load<f32>(x + o))), 0));
  }
}
