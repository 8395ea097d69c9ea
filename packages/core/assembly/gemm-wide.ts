// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// The GEMM of gemm.ts (same arguments, layouts, packing and results up to rounding) on 6 x 16 register
// tiles, written for V8's revectorizer (`--experimental-wasm-revectorize`, V8 13+ as in Node 24),
// which fuses pairs of 128-bit operations on adjacent data into one 256-bit operation: a tile's
// 24 accumulators start from C (or the bias, or zero) before the k loop, its loads of B are
// adjacent pairs, and its stores follow one another with no load between them, so that they
// become 12 accumulators of 256 bits. Without the revectorizer V8 spills them (it keeps at most
// 8 to 12 in registers): then gemm.ts's 4 x 8 tiles are faster, and @ait/core uses those.
//
// Within this kernel every element of C is computed the same way whichever tile holds it: its
// first k block starts from the bias or zero, a later block from C, and each adds its products in
// k order. So a product cut into blocks of rows and of columns (the GEMM pool) is bit-identical
// to one call, as long as column blocks start at multiples of 16.

import { packPanels16, packRowPanels } from './gemm-pack';
import { mulAdd } from './multiply-add';

/** The initial accumulator at `p`: zero when `zero`, else C's (or the bias') value there. */
// @ts-ignore: decorator
@inline function start(p: usize, zero: bool): v128 {
  return zero ? f32x4.splat(0.0) : v128.load(p);
}

/**
 * Rows i0..i0+5, columns j0..j0+15 of C over one k block: A(i, k) at `pa + i sAi + k sAk`, B's
 * rows at `pb` (stride `sBk`), C at `pc` (row stride `sC`). The accumulators start from zero
 * (`zero`) or from the rows at `src`, `src + sSrc`, ... (the bias with `sSrc` 0, or C itself).
 */
// @ts-ignore: decorator
@inline function tile6x16(
  pa: usize, sAi: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, sC: usize, kc: i32,
  src: usize, sSrc: usize, zero: bool,
): void {
  const s1 = src + sSrc, s2 = s1 + sSrc, s3 = s2 + sSrc, s4 = s3 + sSrc, s5 = s4 + sSrc;
  let c00 = start(src, zero), c01 = start(src + 16, zero), c02 = start(src + 32, zero), c03 = start(src + 48, zero);
  let c10 = start(s1, zero), c11 = start(s1 + 16, zero), c12 = start(s1 + 32, zero), c13 = start(s1 + 48, zero);
  let c20 = start(s2, zero), c21 = start(s2 + 16, zero), c22 = start(s2 + 32, zero), c23 = start(s2 + 48, zero);
  let c30 = start(s3, zero), c31 = start(s3 + 16, zero), c32 = start(s3 + 32, zero), c33 = start(s3 + 48, zero);
  let c40 = start(s4, zero), c41 = start(s4 + 16, zero), c42 = start(s4 + 32, zero), c43 = start(s4 + 48, zero);
  let c50 = start(s5, zero), c51 = start(s5 + 16, zero), c52 = start(s5 + 32, zero), c53 = start(s5 + 48, zero);
  const a1 = sAi, a2 = sAi * 2, a3 = sAi * 3, a4 = sAi * 4, a5 = sAi * 5;
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const b3 = v128.load(pb, 48);
    let av = v128.load32_splat(pa);
    c00 = mulAdd(av, b0, c00);
    c01 = mulAdd(av, b1, c01);
    c02 = mulAdd(av, b2, c02);
    c03 = mulAdd(av, b3, c03);
    av = v128.load32_splat(pa + a1);
    c10 = mulAdd(av, b0, c10);
    c11 = mulAdd(av, b1, c11);
    c12 = mulAdd(av, b2, c12);
    c13 = mulAdd(av, b3, c13);
    av = v128.load32_splat(pa + a2);
    c20 = mulAdd(av, b0, c20);
    c21 = mulAdd(av, b1, c21);
    c22 = mulAdd(av, b2, c22);
    c23 = mulAdd(av, b3, c23);
    av = v128.load32_splat(pa + a3);
    c30 = mulAdd(av, b0, c30);
    c31 = mulAdd(av, b1, c31);
    c32 = mulAdd(av, b2, c32);
    c33 = mulAdd(av, b3, c33);
    av = v128.load32_splat(pa + a4);
    c40 = mulAdd(av, b0, c40);
    c41 = mulAdd(av, b1, c41);
    c42 = mulAdd(av, b2, c42);
    c43 = mulAdd(av, b3, c43);
    av = v128.load32_splat(pa + a5);
    c50 = mulAdd(av, b0, c50);
    c51 = mulAdd(av, b1, c51);
    c52 = mulAdd(av, b2, c52);
    c53 = mulAdd(av, b3, c53);
    pa += sAk;
    pb += sBk;
  }
  const p1 = pc + sC, p2 = p1 + sC, p3 = p2 + sC, p4 = p3 + sC, p5 = p4 + sC;
  v128.store(pc, c00);
  v128.store(pc, c01, 16);
  v128.store(pc, c02, 32);
  v128.store(pc, c03, 48);
  v128.store(p1, c10);
  v128.store(p1, c11, 16);
  v128.store(p1, c12, 32);
  v128.store(p1, c13, 48);
  v128.store(p2, c20);
  v128.store(p2, c21, 16);
  v128.store(p2, c22, 32);
  v128.store(p2, c23, 48);
  v128.store(p3, c30);
  v128.store(p3, c31, 16);
  v128.store(p3, c32, 32);
  v128.store(p3, c33, 48);
  v128.store(p4, c40);
  v128.store(p4, c41, 16);
  v128.store(p4, c42, 32);
  v128.store(p4, c43, 48);
  v128.store(p5, c50);
  v128.store(p5, c51, 16);
  v128.store(p5, c52, 32);
  v128.store(p5, c53, 48);
}

/** As {@link tile6x16} for 8 columns (the columns of C between the last multiple of 16 and of 8). */
// @ts-ignore: decorator
@inline function tile6x8(
  pa: usize, sAi: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, sC: usize, kc: i32,
  src: usize, sSrc: usize, zero: bool,
): void {
  const s1 = src + sSrc, s2 = s1 + sSrc, s3 = s2 + sSrc, s4 = s3 + sSrc, s5 = s4 + sSrc;
  let c00 = start(src, zero), c01 = start(src + 16, zero);
  let c10 = start(s1, zero), c11 = start(s1 + 16, zero);
  let c20 = start(s2, zero), c21 = start(s2 + 16, zero);
  let c30 = start(s3, zero), c31 = start(s3 + 16, zero);
  let c40 = start(s4, zero), c41 = start(s4 + 16, zero);
  let c50 = start(s5, zero), c51 = start(s5 + 16, zero);
  const a1 = sAi, a2 = sAi * 2, a3 = sAi * 3, a4 = sAi * 4, a5 = sAi * 5;
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
    av = v128.load32_splat(pa + a4);
    c40 = mulAdd(av, b0, c40);
    c41 = mulAdd(av, b1, c41);
    av = v128.load32_splat(pa + a5);
    c50 = mulAdd(av, b0, c50);
    c51 = mulAdd(av, b1, c51);
    pa += sAk;
    pb += sBk;
  }
  const p1 = pc + sC, p2 = p1 + sC, p3 = p2 + sC, p4 = p3 + sC, p5 = p4 + sC;
  v128.store(pc, c00);
  v128.store(pc, c01, 16);
  v128.store(p1, c10);
  v128.store(p1, c11, 16);
  v128.store(p2, c20);
  v128.store(p2, c21, 16);
  v128.store(p3, c30);
  v128.store(p3, c31, 16);
  v128.store(p4, c40);
  v128.store(p4, c41, 16);
  v128.store(p5, c50);
  v128.store(p5, c51, 16);
}

/** Rows i0..i0+3 (4 or 5 rows left below the last multiple of 6), 16 columns; see {@link tile6x16}. */
// @ts-ignore: decorator
@inline function tile4x16(
  pa: usize, sAi: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, sC: usize, kc: i32,
  src: usize, sSrc: usize, zero: bool,
): void {
  const s1 = src + sSrc, s2 = s1 + sSrc, s3 = s2 + sSrc;
  let c00 = start(src, zero), c01 = start(src + 16, zero), c02 = start(src + 32, zero), c03 = start(src + 48, zero);
  let c10 = start(s1, zero), c11 = start(s1 + 16, zero), c12 = start(s1 + 32, zero), c13 = start(s1 + 48, zero);
  let c20 = start(s2, zero), c21 = start(s2 + 16, zero), c22 = start(s2 + 32, zero), c23 = start(s2 + 48, zero);
  let c30 = start(s3, zero), c31 = start(s3 + 16, zero), c32 = start(s3 + 32, zero), c33 = start(s3 + 48, zero);
  const a1 = sAi, a2 = sAi * 2, a3 = sAi * 3;
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const b3 = v128.load(pb, 48);
    let av = v128.load32_splat(pa);
    c00 = mulAdd(av, b0, c00);
    c01 = mulAdd(av, b1, c01);
    c02 = mulAdd(av, b2, c02);
    c03 = mulAdd(av, b3, c03);
    av = v128.load32_splat(pa + a1);
    c10 = mulAdd(av, b0, c10);
    c11 = mulAdd(av, b1, c11);
    c12 = mulAdd(av, b2, c12);
    c13 = mulAdd(av, b3, c13);
    av = v128.load32_splat(pa + a2);
    c20 = mulAdd(av, b0, c20);
    c21 = mulAdd(av, b1, c21);
    c22 = mulAdd(av, b2, c22);
    c23 = mulAdd(av, b3, c23);
    av = v128.load32_splat(pa + a3);
    c30 = mulAdd(av, b0, c30);
    c31 = mulAdd(av, b1, c31);
    c32 = mulAdd(av, b2, c32);
    c33 = mulAdd(av, b3, c33);
    pa += sAk;
    pb += sBk;
  }
  const p1 = pc + sC, p2 = p1 + sC, p3 = p2 + sC;
  v128.store(pc, c00);
  v128.store(pc, c01, 16);
  v128.store(pc, c02, 32);
  v128.store(pc, c03, 48);
  v128.store(p1, c10);
  v128.store(p1, c11, 16);
  v128.store(p1, c12, 32);
  v128.store(p1, c13, 48);
  v128.store(p2, c20);
  v128.store(p2, c21, 16);
  v128.store(p2, c22, 32);
  v128.store(p2, c23, 48);
  v128.store(p3, c30);
  v128.store(p3, c31, 16);
  v128.store(p3, c32, 32);
  v128.store(p3, c33, 48);
}

/** One row of C, columns j0..j0+15 (the rows below the last multiple of 6); see {@link tile6x16}. */
// @ts-ignore: decorator
@inline function tile1x16(pa: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, kc: i32, src: usize, zero: bool): void {
  let c0 = start(src, zero), c1 = start(src + 16, zero), c2 = start(src + 32, zero), c3 = start(src + 48, zero);
  for (let kk = 0; kk < kc; kk++) {
    const av = v128.load32_splat(pa);
    c0 = mulAdd(av, v128.load(pb), c0);
    c1 = mulAdd(av, v128.load(pb, 16), c1);
    c2 = mulAdd(av, v128.load(pb, 32), c2);
    c3 = mulAdd(av, v128.load(pb, 48), c3);
    pa += sAk;
    pb += sBk;
  }
  v128.store(pc, c0);
  v128.store(pc, c1, 16);
  v128.store(pc, c2, 32);
  v128.store(pc, c3, 48);
}

/** One row of C, 8 columns; see {@link tile6x16}. */
// @ts-ignore: decorator
@inline function tile1x8(pa: usize, sAk: usize, pb: usize, sBk: usize, pc: usize, kc: i32, src: usize, zero: bool): void {
  let c0 = start(src, zero), c1 = start(src + 16, zero);
  for (let kk = 0; kk < kc; kk++) {
    const av = v128.load32_splat(pa);
    c0 = mulAdd(av, v128.load(pb), c0);
    c1 = mulAdd(av, v128.load(pb, 16), c1);
    pa += sAk;
    pb += sBk;
  }
  v128.store(pc, c0);
  v128.store(pc, c1, 16);
}

/**
 * C = A B (+ bias), as `gemm` (gemm.ts: same arguments, layouts and `pack` scratch) on 6 x 16
 * tiles for V8's revectorizer; see the section comment.
 */
export function gemmWide(
  a: usize, sAb: usize, sAi: usize, sAk: usize,
  b: usize, sBb: usize, sBk: usize, sBj: usize,
  c: usize, sC: usize, batch: i32, m: i32, k: i32, n: i32,
  bias: usize, hasBias: i32, kcBlock: i32, pack: usize, packing: i32,
): void {
  const KC = max(kcBlock, 1);
  const m6 = m - m % 6;
  const packA = pack != 0 && sAk != 4 && (packing & 2) != 0;
  const packBPanels = pack != 0 && ((packing & 1) != 0 || sBj != 4);
  // SIMD tiles need B's columns side by side: in place (row-major) or packed
  const n8 = sBj == 4 || packBPanels ? n & ~7 : 0;
  const n16 = n8 & ~15;
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
      // the first block starts from zero or the bias (the same row for every row of C), later
      // blocks from C itself
      const zero = first && hasBias == 0;
      const fromBias = first && hasBias != 0;
      const ak = ab + <usize>k0 * sAk;
      const bk = bb + <usize>k0 * sBk;
      // B's 16-column panels in place (row stride sBk), or packed (gemm.ts says when)
      let panel: usize = bk;
      let panelStride: usize = sBk;
      let panelStep: usize = 64; // bytes from one 16-column panel to the next
      let tail: usize = bk + (<usize>n16 << 2); // the 8-column panel after them
      let tailStride: usize = sBk;
      if (packBPanels) {
        packPanels16(bk, sBk, sBj, bPanels, kc, n16, n8);
        panel = bPanels;
        panelStride = 64;
        panelStep = <usize>kc * 64;
        tail = bPanels + <usize>(n16 >> 4) * panelStep;
        tailStride = 32;
      }
      if (n8 > 0) {
        for (let i = 0; i < m6; i += 6) {
          let pa = ak + <usize>i * sAi;
          let ai = sAi;
          let ka = sAk;
          if (packA) {
            // 4 tiles' panels at once (24 rows)
            const t = (i / 6) & 3;
            if (t == 0) packRowPanels(pa, sAi, sAk, aPanel, kc, 6, min(4, (m6 - i) / 6));
            pa = aPanel + <usize>t * <usize>kc * 24;
            ai = 4;
            ka = 24;
          }
          const pc = cb + <usize>i * sC;
          for (let j = 0; j < n16; j += 16) {
            const pb = panel + <usize>(j >> 4) * panelStep;
            const pcj = pc + (<usize>j << 2);
            const src = fromBias ? bias + (<usize>j << 2) : pcj;
            const sSrc: usize = fromBias ? 0 : sC;
            if (zero) tile6x16(pa, ai, ka, pb, panelStride, pcj, sC, kc, pcj, sC, true);
            else tile6x16(pa, ai, ka, pb, panelStride, pcj, sC, kc, src, sSrc, false);
          }
          if (n8 > n16) {
            const pcj = pc + (<usize>n16 << 2);
            const src = fromBias ? bias + (<usize>n16 << 2) : pcj;
            const sSrc: usize = fromBias ? 0 : sC;
            if (zero) tile6x8(pa, ai, ka, tail, tailStride, pcj, sC, kc, pcj, sC, true);
            else tile6x8(pa, ai, ka, tail, tailStride, pcj, sC, kc, src, sSrc, false);
          }
        }
        // 4 or 5 rows left: 4 of them on 4 x 16 tiles (their 8-column remainder row by row below)
        const m4 = m - m6 >= 4 ? m6 + 4 : m6;
        if (m4 > m6) {
          const pa = ak + <usize>m6 * sAi;
          const pc = cb + <usize>m6 * sC;
          for (let j = 0; j < n16; j += 16) {
            const pb = panel + <usize>(j >> 4) * panelStep;
            const pcj = pc + (<usize>j << 2);
            const src = fromBias ? bias + (<usize>j << 2) : pcj;
            const sSrc: usize = fromBias ? 0 : sC;
            if (zero) tile4x16(pa, sAi, sAk, pb, panelStride, pcj, sC, kc, pcj, sC, true);
            else tile4x16(pa, sAi, sAk, pb, panelStride, pcj, sC, kc, src, sSrc, false);
          }
        }
        for (let i = m6; i < m; i++) {
          const pa = ak + <usize>i * sAi;
          const pc = cb + <usize>i * sC;
          for (let j = i < m4 ? n16 : 0; j < n16; j += 16) {
            const pb = panel + <usize>(j >> 4) * panelStep;
            const pcj = pc + (<usize>j << 2);
            if (zero) tile1x16(pa, sAk, pb, panelStride, pcj, kc, pcj, true);
            else tile1x16(pa, sAk, pb, panelStride, pcj, kc, fromBias ? bias + (<usize>j << 2) : pcj, false);
          }
          if (n8 > n16) {
            const pcj = pc + (<usize>n16 << 2);
            if (zero) tile1x8(pa, sAk, tail, tailStride, pcj, kc, pcj, true);
            else tile1x8(pa, sAk, tail, tailStride, pcj, kc, fromBias ? bias + (<usize>n16 << 2) : pcj, false);
          }
        }
      }
      // columns n8..n-1, element by element
      for (let i = 0; i < m; i++) {
        for (let j = n8; j < n; j++) {
          const pc = cb + <usize>i * sC + (<usize>j << 2);
          let s: f32 = first ? (hasBias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0.0) : load<f32>(pc);
          let pa = ak + <usize>i * sAi;
          let pb = bk + <usize>j * sBj;
          for (let kk = 0; kk < kc; kk++) {
            s += load<f32>(pa) * load<f32>(pb);
            pa += sAk;
            pb += sBk;
          }
          store<f32>(pc, s);
        }
      }
    }
  }
}
