// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// One entry for the elementwise kernels, so that the GEMM pool's workers can run any of them on a
// range of elements: `op` picks the kernel (numbers as ELEMENTWISE_OP in
// src/kernels/wasm/wasm-elementwise.ts), `x`, `y`, `z` are its arrays and `start`..`end` the range of
// elements. Every element is computed on its own, so any cut into ranges gives the same bits.

import { expForward } from './exp';
import { erfForward, geluForward, geluForwardWithSlope } from './gelu';

/** z[i] = x[i] * y[i] for i < n. */
function multiplyRange(x: usize, y: usize, z: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(z + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, load<f32>(x + o) * load<f32>(y + o));
  }
}

/** z[i] = x[i] + y[i] for i < n. */
function addRange(x: usize, y: usize, z: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(z + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, load<f32>(x + o) + load<f32>(y + o));
  }
}

/** y[i] = 1 where x[i] > 0, NaN where x[i] is NaN, else alpha, for i < n (tfjs' Step). */
function stepRange(x: usize, y: usize, n: i32, alpha: f32): void {
  const one = f32x4.splat(1.0);
  const other = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    // x > 0: 1; NaN (x != x): x itself; else alpha
    const r = v128.bitselect(one, other, f32x4.gt(v, f32x4.splat(0.0)));
    v128.store(y + o, v128.bitselect(v, r, f32x4.ne(v, v)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? 1.0 : v != v ? v : alpha);
  }
}

/** z[i] = x[i] + y[i mod period] for start <= i < end: a bias vector added along the last axis. */
function biasAddRange(x: usize, y: usize, z: usize, start: i32, end: i32, period: i32): void {
  let i = start;
  while (i < end) {
    const j = i % period;
    const run = min(end - i, period - j);
    addRange(x + (<usize>i << 2), y + (<usize>j << 2), z + (<usize>i << 2), run);
    i += run;
  }
}

/**
 * Runs elementwise kernel `op` on elements start..end-1 of the float32 arrays at x, y, z:
 * 0 GELU (x -> y), 1 GELU and its slope (x -> y, z), 2 exp (x -> y), 3 erf (x -> y),
 * 4 product (x, y -> z), 5 Step with alpha `s` (x -> y), 6 sum with a bias vector of `period`
 * elements repeated along the array (x, y -> z), 7 sum (x, y -> z).
 */
export function elementwise(op: i32, x: usize, y: usize, z: usize, start: i32, end: i32, s: f32, period: i32): void {
  const n = end - start;
  if (n <= 0) return;
  const o = <usize>start << 2;
  switch (op) {
    case 0:
      geluForward(x + o, y + o, n);
      break;
    case 1:
      geluForwardWithSlope(x + o, y + o, z + o, n);
      break;
    case 2:
      expForward(x + o, y + o, n);
      break;
    case 3:
      erfForward(x + o, y + o, n);
      break;
    case 4:
      multiplyRange(x + o, y + o, z + o, n);
      break;
    case 5:
      stepRange(x + o, y + o, n, s);
      break;
    case 6:
      biasAddRange(x, y, z, start, end, max(period, 1));
      break;
    case 7:
      addRange(x + o, y + o, z + o, n);
      break;
    default:
      break;
  }
}
