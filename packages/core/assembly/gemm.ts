// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// GEMM with a strided left operand: C[m, n] = A B for A(i, k) at a + i sAi + k sAk (so A may be
// row-major [m, k] or, transposed, [k, m]), B row-major [k, n] with row stride sBk, C row-major
// [m, n]. Strides in bytes. This covers the products XNNPACK's GEMM needs a transpose or a packing
// pass for: weight gradients x^T dy and attention's batched products.

import { mulAdd } from './multiply-add';

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
    c00 = mulAdd(av, b0, c00);
    c01 = mulAdd(av, b1, c01);
    av = v128.load32_splat(pa + a1);
    c10 = mulAdd(av, b0, c10);
    c11 = mulAdd(av, b1, c11);
    av = v128.load32_splat(pa + a2);
    c20 = mulAdd(av, b0, c20);
    c21 = mulAdd(av, b1, c21);
    av = v128.load32_splat(pa + a3);
    c30 = mulAdd(av, b0, c30);
    c31 = mulAdd(av, b1, c31);
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
    c0 = mulAdd(av, v128.load(pb), c0);
    c1 = mulAdd(av, v128.load(pb, 16), c1);
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
