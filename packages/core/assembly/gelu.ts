// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

import { expNonPositive } from './exp';

// GELU (exact form): y = x Phi(x), dy/dx = Phi(x) + x phi(x)

// @ts-ignore: decorator
@inline const SQRT_HALF: f32 = 0.70710678;
// @ts-ignore: decorator
@inline const INV_SQRT_2PI: f32 = 0.39894228;
// Abramowitz & Stegun 7.1.26: erfc(z) ~ t (A1 + t (A2 + t (A3 + t (A4 + t A5)))) exp(-z^2),
// t = 1 / (1 + P z), z >= 0, absolute error below 1.5e-7.
// @ts-ignore: decorator
@inline const ERF_P: f32 = 0.3275911;
// @ts-ignore: decorator
@inline const A1: f32 = 0.254829592;
// @ts-ignore: decorator
@inline const A2: f32 = -0.284496736;
// @ts-ignore: decorator
@inline const A3: f32 = 1.421413741;
// @ts-ignore: decorator
@inline const A4: f32 = -1.453152027;
// @ts-ignore: decorator
@inline const A5: f32 = 1.061405429;

/** |x| / sqrt 2 for 4 lanes. */
// @ts-ignore: decorator
@inline function halfRootAbs(x: v128): v128 {
  return f32x4.mul(f32x4.abs(x), f32x4.splat(SQRT_HALF));
}

/** The A&S polynomial in t = 1 / (1 + P z): erfc(z) = erfcFactor(z) e^(-z^2) for z >= 0. */
// @ts-ignore: decorator
@inline function erfcFactor(z: v128): v128 {
  const t = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(z, f32x4.splat(ERF_P))));
  let p = f32x4.splat(A5);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(A4));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(A3));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(A2));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(A1));
  return f32x4.mul(p, t);
}

/**
 * Phi(x) from the lower tail q = Phi(-|x|) = erfc(|x| / sqrt 2) / 2: q where x < 0, 1 - q
 * elsewhere (absolute error below 1e-7, like tfjs' own erf, which uses the same formula).
 */
// @ts-ignore: decorator
@inline function cdfFromTail(x: v128, q: v128): v128 {
  return v128.bitselect(q, f32x4.sub(f32x4.splat(1.0), q), f32x4.lt(x, f32x4.splat(0.0)));
}

/** gelu(x) for 4 lanes. */
// @ts-ignore: decorator
@inline function gelu4(x: v128): v128 {
  const z = halfRootAbs(x);
  const e = expNonPositive(f32x4.neg(f32x4.mul(z, z)));
  const q = f32x4.mul(f32x4.mul(erfcFactor(z), e), f32x4.splat(0.5));
  return f32x4.mul(x, cdfFromTail(x, q));
}

/** gelu'(x) = Phi(x) + x phi(x) for 4 lanes. */
// @ts-ignore: decorator
@inline function geluSlope4(x: v128): v128 {
  const z = halfRootAbs(x);
  const e = expNonPositive(f32x4.neg(f32x4.mul(z, z)));
  const q = f32x4.mul(f32x4.mul(erfcFactor(z), e), f32x4.splat(0.5));
  return f32x4.add(cdfFromTail(x, q), f32x4.mul(x, f32x4.mul(e, f32x4.splat(INV_SQRT_2PI))));
}

/** y[i] = gelu(x[i]) for i < n. */
export function geluForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, gelu4(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(gelu4(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/**
 * y[i] = gelu(x[i]) and slope[i] = gelu'(x[i]) for i < n: the forward pass of training, which
 * keeps the slope so that the backward pass is one product dy * slope.
 */
export function geluForwardWithSlope(x: usize, y: usize, slope: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const z = halfRootAbs(xv);
    const e = expNonPositive(f32x4.neg(f32x4.mul(z, z)));
    const c = cdfFromTail(xv, f32x4.mul(f32x4.mul(erfcFactor(z), e), f32x4.splat(0.5)));
    v128.store(y + o, f32x4.mul(xv, c));
    v128.store(slope + o, f32x4.add(c, f32x4.mul(xv, f32x4.mul(e, f32x4.splat(INV_SQRT_2PI)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = f32x4.splat(load<f32>(x + o));
    store<f32>(y + o, f32x4.extract_lane(gelu4(xv), 0));
    store<f32>(slope + o, f32x4.extract_lane(geluSlope4(xv), 0));
  }
}

/**
 * erf(x) for 4 lanes: the Maclaurin series to x^11 below |x| = 0.5 (relative error < 3e-8, so
 * tiny arguments keep their precision), else sign(x) (1 - erfc(|x|)) by the A&S formula above
 * (absolute error < 1.5e-7, the formula tfjs' own erf uses).
 */
// @ts-ignore: decorator
@inline function erf4(x: v128): v128 {
  const z = f32x4.abs(x);
  const e = expNonPositive(f32x4.neg(f32x4.mul(z, z)));
  let r = f32x4.sub(f32x4.splat(1.0), f32x4.mul(erfcFactor(z), e));
  // copy the sign of x onto r (r >= 0)
  r = v128.or(r, v128.and(x, i32x4.splat(0x80000000)));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-8.548327023450852e-4);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.223977625442188e-3));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-2.6866170645131252e-2));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.1283791670955126e-1));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-3.761263890318375e-1));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.1283791670955126));
  return v128.bitselect(f32x4.mul(p, x), r, f32x4.lt(z, f32x4.splat(0.5)));
}

/** y[i] = erf(x[i]) for i < n: the Maclaurin series below |x| = 0.5, Abramowitz-Stegun 7.1.26 above (see erf4). */
export function erfForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, erf4(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(erf4(f32x4.splat(load<f32>(x + o))), 0));
  }
}
