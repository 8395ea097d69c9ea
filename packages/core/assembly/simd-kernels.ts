// AssemblyScript source of @ait/core's WebAssembly SIMD kernels (compiled by
// scripts/build-simd.mjs into generated/simd-kernels-wasm.ts). The module imports the memory of
// tfjs-backend-wasm, so every pointer below is a byte offset of a tensor on that heap; the
// kernels allocate nothing and keep no state. Float32 throughout; every function handles any
// length (a scalar loop finishes what the 4-lane loop leaves).

// ---------------------------------------------------------------------------------------------
// exp and the normal distribution

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

/** e^a for 4 lanes with a <= 0 (clamped at -87, where e^a is ~1.6e-38): relative error ~1e-7. */
// @ts-ignore: decorator
@inline function expNonPositive(a0: v128): v128 {
  // pmax(a, b) = a < b ? b : a: one instruction (max's NaN and signed-zero rules cost several)
  const a = f32x4.pmax(a0, f32x4.splat(-87.0));
  // n = round(a log2 e) by the 1.5 * 2^23 trick: t's low mantissa bits hold n
  const t = f32x4.add(f32x4.mul(a, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(a, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  // 2^n from the exponent bits: bits(t) = bits(magic) + n, and n >= -126 after the clamp, so
  // the biased exponent n + 127 is >= 1
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127 - ROUND_MAGIC_BITS)), 23);
  return f32x4.mul(p, scale);
}

/**
 * e^x for 4 lanes over the whole float32 range: x is clamped to [-104, 89] (beyond, e^x is 0 or
 * overflows to infinity anyway), and 2^n is applied as two factors 2^h 2^(n-h) so that results in
 * the subnormal range and up to the largest float come out right. NaN stays NaN.
 */
// @ts-ignore: decorator
@inline function expAny(x: v128): v128 {
  // pmin/pmax keep a NaN in the first operand (one instruction each)
  const a = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const t = f32x4.add(f32x4.mul(a, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(a, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
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

// ---------------------------------------------------------------------------------------------
// GELU (exact form): y = x Phi(x), dy/dx = Phi(x) + x phi(x)

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

/** y[i] = erf(x[i]) for i < n. */
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

// ---------------------------------------------------------------------------------------------
// Layer normalisation over rows of length d

/** Sum of the 4 lanes. */
// @ts-ignore: decorator
@inline function lanesSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * For each of `rows` rows of x ([rows, d]): mean, rstd = 1 / sqrt(biased variance + eps) and
 * y = (x - mean) rstd gamma + beta. mean and rstd are [rows] (kept for the backward pass).
 */
export function layerNormForward(
  x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, rows: i32, d: i32, eps: f32,
): void {
  const d4 = d & ~3;
  const invD: f32 = 1.0 / <f32>d;
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>d) << 2);
    const out = y + ((<usize>r * <usize>d) << 2);
    let acc = f32x4.splat(0.0);
    let j = 0;
    for (; j < d4; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
    let s = lanesSum(acc);
    for (; j < d; j++) s += load<f32>(row + (<usize>j << 2));
    const mu = s * invD;
    const muv = f32x4.splat(mu);
    acc = f32x4.splat(0.0);
    for (j = 0; j < d4; j += 4) {
      const c = f32x4.sub(v128.load(row + (<usize>j << 2)), muv);
      acc = f32x4.add(acc, f32x4.mul(c, c));
    }
    let ss = lanesSum(acc);
    for (; j < d; j++) {
      const c = load<f32>(row + (<usize>j << 2)) - mu;
      ss += c * c;
    }
    const rs: f32 = 1.0 / Mathf.sqrt(ss * invD + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const rsv = f32x4.splat(rs);
    for (j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(row + o), muv), rsv);
      v128.store(out + o, f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, (load<f32>(row + o) - mu) * rs * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/**
 * Gradients of layer normalisation: with xhat = (x - mean) rstd and g = dy gamma,
 * dx = rstd (g - mean(g) - xhat mean(g xhat)) per row, dgamma = sum over rows of dy xhat and
 * dbeta = sum over rows of dy ([d] each, overwritten).
 */
export function layerNormBackward(
  x: usize, mean: usize, rstd: usize, gamma: usize, dy: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, d: i32,
): void {
  const d4 = d & ~3;
  const invD: f32 = 1.0 / <f32>d;
  memory.fill(dgamma, 0, <usize>d << 2);
  memory.fill(dbeta, 0, <usize>d << 2);
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * <usize>d) << 2;
    const xr = x + base;
    const dyr = dy + base;
    const dxr = dx + base;
    const mu = load<f32>(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const muv = f32x4.splat(mu);
    const rsv = f32x4.splat(rs);
    let sg = f32x4.splat(0.0);
    let sgx = f32x4.splat(0.0);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), muv), rsv);
      const dyv = v128.load(dyr + o);
      const g = f32x4.mul(dyv, v128.load(gamma + o));
      sg = f32x4.add(sg, g);
      sgx = f32x4.add(sgx, f32x4.mul(g, xhat));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(dyv, xhat)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), dyv));
    }
    let sgs = lanesSum(sg);
    let sgxs = lanesSum(sgx);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - mu) * rs;
      const dyv = load<f32>(dyr + o);
      const g = dyv * load<f32>(gamma + o);
      sgs += g;
      sgxs += g * xhat;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + dyv * xhat);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + dyv);
    }
    const mg = sgs * invD;
    const mgx = sgxs * invD;
    const mgv = f32x4.splat(mg);
    const mgxv = f32x4.splat(mgx);
    for (j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), muv), rsv);
      const g = f32x4.mul(v128.load(dyr + o), v128.load(gamma + o));
      const v = f32x4.sub(f32x4.sub(g, mgv), f32x4.mul(xhat, mgxv));
      v128.store(dxr + o, f32x4.mul(v, rsv));
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      const xhat = (load<f32>(xr + o) - mu) * rs;
      const g = load<f32>(dyr + o) * load<f32>(gamma + o);
      store<f32>(dxr + o, (g - mg - xhat * mgx) * rs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sum over leading rows: out[c] = sum_r x[r, c] (bias gradients)

/**
 * out[c] = sum over r < rows of x[r * cols + c] ([cols], overwritten). Strips of 16 columns (one
 * cache line per row) are summed in registers, in blocks of 256 rows whose partial sums are then
 * added, so that rounding grows with log(rows) blocks rather than with rows.
 */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const stride = <usize>cols << 2;
  let c = 0;
  for (; c + 16 <= cols; c += 16) {
    let t0 = f32x4.splat(0.0), t1 = f32x4.splat(0.0), t2 = f32x4.splat(0.0), t3 = f32x4.splat(0.0);
    for (let r0 = 0; r0 < rows; r0 += 256) {
      const r1 = min(rows, r0 + 256);
      let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.0), a2 = f32x4.splat(0.0), a3 = f32x4.splat(0.0);
      let p = x + <usize>r0 * stride + (<usize>c << 2);
      for (let r = r0; r < r1; r++, p += stride) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
      }
      t0 = f32x4.add(t0, a0);
      t1 = f32x4.add(t1, a1);
      t2 = f32x4.add(t2, a2);
      t3 = f32x4.add(t3, a3);
    }
    const o = out + (<usize>c << 2);
    v128.store(o, t0);
    v128.store(o, t1, 16);
    v128.store(o, t2, 32);
    v128.store(o, t3, 48);
  }
  for (; c < cols; c++) {
    let t: f32 = 0.0;
    for (let r0 = 0; r0 < rows; r0 += 256) {
      const r1 = min(rows, r0 + 256);
      let a: f32 = 0.0;
      let p = x + <usize>r0 * stride + (<usize>c << 2);
      for (let r = r0; r < r1; r++, p += stride) a += load<f32>(p);
      t += a;
    }
    store<f32>(out + (<usize>c << 2), t);
  }
}

// ---------------------------------------------------------------------------------------------
// Batched matrix transpose: y[b, c, r] = x[b, r, c] (4-byte elements of any type)

/** Transposes the 4 x 4 block at `src` (row stride `ss` bytes) into `dst` (row stride `ds`). */
// @ts-ignore: decorator
@inline function transpose4x4(src: usize, ss: usize, dst: usize, ds: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + ss);
  const r2 = v128.load(src + 2 * ss);
  const r3 = v128.load(src + 3 * ss);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * y[b, c, r] = x[b, r, c] for b < batch, r < rows, c < cols, 4-byte elements. Tiles of 32 x 32
 * keep reads and writes in cache; inside a tile 4 x 4 blocks are transposed with shuffles and
 * the edges (rows or columns not a multiple of 4) element by element.
 */
export function transposeBatched(x: usize, y: usize, batch: i32, rows: i32, cols: i32): void {
  const rs = <usize>cols << 2; // input row stride
  const cs = <usize>rows << 2; // output row stride
  const matrix = <usize>rows * <usize>cols * 4;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * matrix;
    const yb = y + <usize>b * matrix;
    for (let r0 = 0; r0 < rows; r0 += 32) {
      const r1 = min(rows, r0 + 32);
      const r14 = r0 + ((r1 - r0) & ~3);
      for (let c0 = 0; c0 < cols; c0 += 32) {
        const c1 = min(cols, c0 + 32);
        const c14 = c0 + ((c1 - c0) & ~3);
        for (let r = r0; r < r14; r += 4) {
          for (let c = c0; c < c14; c += 4) {
            transpose4x4(xb + <usize>r * rs + (<usize>c << 2), rs, yb + <usize>c * cs + (<usize>r << 2), cs);
          }
          for (let c = c14; c < c1; c++) {
            for (let k = r; k < r + 4; k++) {
              store<u32>(yb + <usize>c * cs + (<usize>k << 2), load<u32>(xb + <usize>k * rs + (<usize>c << 2)));
            }
          }
        }
        for (let r = r14; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            store<u32>(yb + <usize>c * cs + (<usize>r << 2), load<u32>(xb + <usize>r * rs + (<usize>c << 2)));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GEMM with a strided left operand: C[m, n] = A B for A(i, k) at a + i sAi + k sAk (so A may be
// row-major [m, k] or, transposed, [k, m]), B row-major [k, n] with row stride sBk, C row-major
// [m, n]. Strides in bytes. This covers the products XNNPACK's GEMM needs a transpose or a packing
// pass for: weight gradients x^T dy and attention's batched products.

/** Adds `v` to C at `p` (or stores it on the first k block). */
// @ts-ignore: decorator
@inline function accumulate(p: usize, v: v128, first: bool): void {
  v128.store(p, first ? v : f32x4.add(v128.load(p), v));
}

/** Rows i0..i0+3, columns j0..j0+7 of C over k0..k0+kc-1. */
// @ts-ignore: decorator
@inline function tile4x8(pa: usize, sAi: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, sC: usize, kc: i32, first: bool, pbias: usize): void {
  // the first k block starts from the bias (when there is one), later ones from zero
  const i0 = pbias != 0 && first ? v128.load(pbias) : f32x4.splat(0.0);
  const i1 = pbias != 0 && first ? v128.load(pbias, 16) : f32x4.splat(0.0);
  let c00 = i0, c01 = i1;
  let c10 = i0, c11 = i1;
  let c20 = i0, c21 = i1;
  let c30 = i0, c31 = i1;
  const a1 = sAi, a2 = sAi * 2, a3 = sAi * 3;
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(pa + a1);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(pa + a2);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(pa + a3);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    pa += sAk;
    pb += sBk;
  }
  accumulate(pc, c00, first);
  accumulate(pc + 16, c01, first);
  accumulate(pc + sC, c10, first);
  accumulate(pc + sC + 16, c11, first);
  accumulate(pc + 2 * sC, c20, first);
  accumulate(pc + 2 * sC + 16, c21, first);
  accumulate(pc + 3 * sC, c30, first);
  accumulate(pc + 3 * sC + 16, c31, first);
}

/** One row i of C, columns j0..j0+7, over k0..k0+kc-1. */
// @ts-ignore: decorator
@inline function tile1x8(pa: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, kc: i32, first: bool, pbias: usize): void {
  let c0 = pbias != 0 && first ? v128.load(pbias) : f32x4.splat(0.0);
  let c1 = pbias != 0 && first ? v128.load(pbias, 16) : f32x4.splat(0.0);
  for (let kk = 0; kk < kc; kk++) {
    const av = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(av, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(av, v128.load(pb, 16)));
    pa += sAk;
    pb += sBk;
  }
  accumulate(pc, c0, first);
  accumulate(pc + 16, c1, first);
}

/** Copies the first n8 columns of kc rows of B (row stride sB) into [n8 / 8, kc, 8] panels. */
function packPanels(b: usize, sB: usize, dst: usize, kc: i32, n8: i32): void {
  for (let kk = 0; kk < kc; kk++) {
    const row = b + <usize>kk * sB;
    let d = dst + (<usize>kk << 5);
    for (let j = 0; j < n8; j += 8) {
      v128.store(d, v128.load(row + (<usize>j << 2)));
      v128.store(d, v128.load(row + (<usize>j << 2), 16), 16);
      d += <usize>kc << 5;
    }
  }
}

/**
 * C = A B (+ bias) for `batch` independent products (A, B and C of product p start at a + p sAb,
 * b + p sBb, c + p m n 4). See the section comment for the layouts. C is overwritten. With
 * `hasBias` nonzero, the [n] vector at `bias` is added to every row of every C. The k axis is
 * walked in blocks of `kcBlock` so that the strips of A and B a tile reads stay in L1 (a transposed
 * A touches one cache line per k and wants shorter blocks). With `pack` nonzero (scratch memory of
 * min(k, kcBlock) * n * 4 bytes), B is repacked into panels once per k block.
 */
export function gemmStridedA(
  a: usize, sAb: usize, sAi: usize, sAk: usize,
  b: usize, sBb: usize, sBk: usize,
  c: usize, batch: i32, m: i32, k: i32, n: i32,
  bias: usize, hasBias: i32, kcBlock: i32, pack: usize,
): void {
  const KC = max(kcBlock, 1);
  const sC = <usize>n << 2;
  const m4 = m & ~3;
  const n8 = n & ~7;
  for (let p = 0; p < batch; p++) {
    const ab = a + <usize>p * sAb;
    const bb = b + <usize>p * sBb;
    const cb = c + <usize>p * <usize>m * sC;
    if (k == 0) {
      for (let i = 0; i < m; i++) {
        if (hasBias != 0) memory.copy(cb + <usize>i * sC, bias, sC);
        else memory.fill(cb + <usize>i * sC, 0, sC);
      }
      continue;
    }
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = min(KC, k - k0);
      const first = k0 == 0;
      const ak = ab + <usize>k0 * sAk;
      const bk = bb + <usize>k0 * sBk;
      // B's 8-column panels of this k block: in place (row stride sBk), or, with `pack`, copied
      // to `pack` as contiguous [kc, 8] panels, which every tile then reads sequentially (rows of
      // a wide B are a multiple of 4 KiB apart and would fall into the same few L1 sets)
      let panel: usize = bk;
      let panelStride: usize = sBk;
      let panelStep: usize = 32; // bytes from one panel to the next
      if (pack != 0) {
        packPanels(bk, sBk, pack, kc, n8);
        panel = pack;
        panelStride = 32;
        panelStep = <usize>kc * 32;
      }
      for (let i = 0; i < m4; i += 4) {
        const pa = ak + <usize>i * sAi;
        const pc = cb + <usize>i * sC;
        for (let j = 0; j < n8; j += 8) {
          const pb = panel + <usize>(j >> 3) * panelStep;
          tile4x8(pa, sAi, sAk, pb, panelStride, pc + (<usize>j << 2), sC, kc, first, hasBias != 0 ? bias + (<usize>j << 2) : 0);
        }
      }
      for (let i = m4; i < m; i++) {
        const pa = ak + <usize>i * sAi;
        const pc = cb + <usize>i * sC;
        for (let j = 0; j < n8; j += 8) {
          const pb = panel + <usize>(j >> 3) * panelStep;
          tile1x8(pa, sAk, pb, panelStride, pc + (<usize>j << 2), kc, first, hasBias != 0 ? bias + (<usize>j << 2) : 0);
        }
      }
      // columns n8..n-1, element by element
      for (let i = 0; i < m; i++) {
        for (let j = n8; j < n; j++) {
          let s: f32 = hasBias != 0 && first ? load<f32>(bias + (<usize>j << 2)) : 0.0;
          let pa = ak + <usize>i * sAi;
          let pb = bk + (<usize>j << 2);
          for (let kk = 0; kk < kc; kk++) {
            s += load<f32>(pa) * load<f32>(pb);
            pa += sAk;
            pb += sBk;
          }
          const pc = cb + <usize>i * sC + (<usize>j << 2);
          store<f32>(pc, first ? s : load<f32>(pc) + s);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Strided copies (Slice, SplitV)

/** Copies `rows` runs of `bytes` bytes from src (run stride sStride) to dst (run stride dStride). */
export function copyRows(src: usize, sStride: usize, dst: usize, dStride: usize, rows: i32, bytes: usize): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, bytes);
    src += sStride;
    dst += dStride;
  }
}
