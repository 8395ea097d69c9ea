// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// GEMM with strided operands: C[m, n] = A B for A(i, k) at a + i sAi + k sAk and B(k, j) at
// b + k sBk + j sBj (so each may be row-major or transposed: [m, k] or [k, m], [k, n] or [n, k]),
// C with row stride sC. Strides in bytes. This covers the products XNNPACK's GEMM needs a
// transpose or a packing pass for: weight gradients x^T dy, data gradients dy W^T and
// attention's batched products, without a transposed copy of either operand: a transposed
// operand is packed from where it lies, k block by k block (gemm-pack.ts).
//
// Every element of C is computed the same way whichever tile holds it (the 4 x 8 and 1 x 8 tiles
// add the same products in k order), so a product cut into blocks of rows and of columns (the
// GEMM pool) is bit-identical to one call, as long as column blocks start at multiples of 16.

import { packPanels8, packRowPanels } from './gemm-pack';
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

/**
 * C = A B (+ bias) for `batch` independent products (A, B and C of product p start at a + p sAb,
 * b + p sBb, c + p m sC). See the section comment for the layouts. C is overwritten. With
 * `hasBias` nonzero, the [n] vector at `bias` is added to every row of every C. The k axis is
 * walked in blocks of `kcBlock` so that the strips of A and B a tile reads stay in L1.
 *
 * `pack`: 0 or scratch of `min(k, kcBlock) * (24 + n8) * 4` bytes (n8: n rounded down to a
 * multiple of 8). With it, B is copied into contiguous column panels once per k block where
 * `packing` has bit value 1 or B is not row-major (`sBj` != 4; every tile then reads sequential memory,
 * where rows of a wide B are a multiple of 4 KiB apart and would fall into the same few L1 sets),
 * and a left operand that is not row-major (`sAk` != 4) into row panels (4 at a time) where
 * `packing` has bit value 2 (worth it where A's k stride is long; a short one reads well in place).
 * Without `pack` a B that is not row-major is computed element by element (correct, slow).
 */
export function gemm(
  a: usize, sAb: usize, sAi: usize, sAk: usize,
  b: usize, sBb: usize, sBk: usize, sBj: usize,
  c: usize, sC: usize, batch: i32, m: i32, k: i32, n: i32,
  bias: usize, hasBias: i32, kcBlock: i32, pack: usize, packing: i32,
): void {
  const KC = max(kcBlock, 1);
  const m4 = m & ~3;
  const packA = pack != 0 && sAk != 4 && (packing & 2) != 0;
  const packBPanels = pack != 0 && ((packing & 1) != 0 || sBj != 4);
  // SIMD tiles need B's 8 columns side by side: in place (row-major) or packed
  const n8 = sBj == 4 || packBPanels ? n & ~7 : 0;
  // A's row panels first (room for 24 rows per k), B's column panels after them
  const aPanel = pack;
  const bPanels = pack + <usize>min(KC, k) * 96;
  const rowBytes = <usize>n << 2;
  for (let p = 0; p < batch; p++) {
    const ab = a + <usize>p * sAb;
    const bb = b + <usize>p * sBb;
    const cb = c + <usize>p * <usize>m * sC;
    if (k == 0) {
      for (let i = 0; i < m; i++) {
        if (hasBias != 0) memory.copy(cb + <usize>i * sC, bias, rowBytes);
        else memory.fill(cb + <usize>i * sC, 0, rowBytes);
      }
      continue;
    }
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = min(KC, k - k0);
      const first = k0 == 0;
      const ak = ab + <usize>k0 * sAk;
      const bk = bb + <usize>k0 * sBk;
      // B's 8-column panels of this k block: in place (row stride sBk), or packed as [kc, 8]
      let panel: usize = bk;
      let panelStride: usize = sBk;
      let panelStep: usize = 32; // bytes from one panel to the next
      if (packBPanels) {
        packPanels8(bk, sBk, sBj, bPanels, kc, n8);
        panel = bPanels;
        panelStride = 32;
        panelStep = <usize>kc * 32;
      }
      if (n8 > 0) {
        for (let i = 0; i < m4; i += 4) {
          let pa = ak + <usize>i * sAi;
          let ai = sAi;
          let ka = sAk;
          if (packA) {
            // 4 tiles' panels at once (16 rows: one cache line per k of a column-major A)
            const t = (i >> 2) & 3;
            if (t == 0) packRowPanels(pa, sAi, sAk, aPanel, kc, 4, min(4, (m4 - i) >> 2));
            pa = aPanel + <usize>t * <usize>kc * 16;
            ai = 4;
            ka = 16;
          }
          const pc = cb + <usize>i * sC;
          for (let j = 0; j < n8; j += 8) {
            const pb = panel + <usize>(j >> 3) * panelStep;
            tile4x8(pa, ai, ka, pb, panelStride, pc + (<usize>j << 2), sC, kc, first, hasBias != 0 ? bias + (<usize>j << 2) : 0);
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
      }
      // columns n8..n-1, element by element
      for (let i = 0; i < m; i++) {
        for (let j = n8; j < n; j++) {
          let s: f32 = hasBias != 0 && first ? load<f32>(bias + (<usize>j << 2)) : 0.0;
          let pa = ak + <usize>i * sAi;
          let pb = bk + <usize>j * sBj;
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
