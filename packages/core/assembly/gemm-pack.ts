// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

// Packing for the GEMMs (gemm.ts, gemm-wide.ts): copies of a k block of an operand into the
// contiguous order their register tiles read, from any layout. A transposed operand is packed
// straight from where it lies (no transposed copy of the whole operand first): B stored as
// [n, k] (weight products x W^T, attention's q k^T) becomes column panels through 4 x 4
// transposes, A stored as [k, m] (weight gradients x^T dy) becomes row panels of one vector per k.

import { transpose4x4 } from './transpose';

/**
 * Copies `tiles` row panels of A over kc values of k into `dst`: panel t (rows t rows .. of A,
 * `rows` 4 or 6) as [kc, rows] at `dst + t kc rows 4`; A(i, kk) at `a + i sAi + kk sAk`. A
 * column-major A (`sAi` 4: the transposed operand of a weight gradient) is read one run of
 * `tiles * rows` floats (up to a cache line or so) per k, which every panel then shares.
 */
export function packRowPanels(a: usize, sAi: usize, sAk: usize, dst: usize, kc: i32, rows: i32, tiles: i32): void {
  const step = <usize>rows << 2;
  const panel = <usize>kc * step;
  if (sAi == 4 && rows == 4) {
    for (let kk = 0; kk < kc; kk++) {
      const d = dst + <usize>kk * step;
      for (let t = 0; t < tiles; t++) v128.store(d + <usize>t * panel, v128.load(a + (<usize>t << 4)));
      a += sAk;
    }
  } else if (sAi == 4 && rows == 6) {
    for (let kk = 0; kk < kc; kk++) {
      const d = dst + <usize>kk * step;
      for (let t = 0; t < tiles; t++) {
        const s = a + <usize>t * 24;
        v128.store(d + <usize>t * panel, v128.load(s));
        store<u64>(d + <usize>t * panel, load<u64>(s, 16), 16);
      }
      a += sAk;
    }
  } else {
    for (let t = 0; t < tiles; t++) {
      let src = a + <usize>(t * rows) * sAi;
      let d = dst + <usize>t * panel;
      for (let kk = 0; kk < kc; kk++) {
        for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(src + <usize>r * sAi));
        src += sAk;
        d += step;
      }
    }
  }
}

/**
 * Copies columns j..j+width-1 (`width` a multiple of 4) of kc rows of B into `dst` as [kc, width]:
 * B(kk, j) at `b + kk sBk + j sBj`. B stored transposed (`sBk` 4) is read 4 values of k at a
 * time from each of `width` stored rows and transposed in registers.
 */
// @ts-ignore: decorator
@inline function packColumnPanel(b: usize, sBk: usize, sBj: usize, dst: usize, kc: i32, width: i32): void {
  const ds = <usize>width << 2;
  if (sBj == 4) {
    for (let kk = 0; kk < kc; kk++) {
      const row = b + <usize>kk * sBk;
      const d = dst + <usize>kk * ds;
      for (let c = 0; c < width; c += 4) v128.store(d + (<usize>c << 2), v128.load(row + (<usize>c << 2)));
    }
    return;
  }
  let kk = 0;
  if (sBk == 4) {
    for (; kk + 4 <= kc; kk += 4) {
      for (let c = 0; c < width; c += 4) {
        transpose4x4(b + <usize>c * sBj + (<usize>kk << 2), sBj, dst + <usize>kk * ds + (<usize>c << 2), ds);
      }
    }
  }
  for (; kk < kc; kk++) {
    for (let c = 0; c < width; c++) {
      store<f32>(dst + <usize>kk * ds + (<usize>c << 2), load<f32>(b + <usize>kk * sBk + <usize>c * sBj));
    }
  }
}

/**
 * Packs the first n8 columns of kc rows of B into [n8 / 8, kc, 8] panels (gemm.ts' 4 x 8 tiles).
 * A row-major B is copied row by row (sequential reads).
 */
export function packPanels8(b: usize, sBk: usize, sBj: usize, dst: usize, kc: i32, n8: i32): void {
  if (sBj == 4) {
    for (let kk = 0; kk < kc; kk++) {
      const row = b + <usize>kk * sBk;
      let d = dst + (<usize>kk << 5);
      for (let j = 0; j < n8; j += 8) {
        v128.store(d, v128.load(row + (<usize>j << 2)));
        v128.store(d, v128.load(row + (<usize>j << 2), 16), 16);
        d += <usize>kc << 5;
      }
    }
    return;
  }
  for (let j = 0; j < n8; j += 8) packColumnPanel(b + <usize>j * sBj, sBk, sBj, dst + <usize>(j >> 3) * <usize>kc * 32, kc, 8);
}

/**
 * Packs kc rows of B for gemm-wide.ts' 6 x 16 tiles: the first n16 columns as [n16 / 16, kc, 16]
 * panels, then columns n16..n8-1 (0 or 8 of them) as one [kc, 8] panel.
 */
export function packPanels16(b: usize, sBk: usize, sBj: usize, dst: usize, kc: i32, n16: i32, n8: i32): void {
  const tail = dst + <usize>(n16 >> 4) * <usize>kc * 64;
  if (sBj == 4) {
    for (let kk = 0; kk < kc; kk++) {
      const row = b + <usize>kk * sBk;
      let d = dst + (<usize>kk << 6);
      for (let j = 0; j < n16; j += 16) {
        const s = row + (<usize>j << 2);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        v128.store(d, v128.load(s, 48), 48);
        d += <usize>kc << 6;
      }
      if (n8 > n16) {
        const s = row + (<usize>n16 << 2);
        const t = tail + (<usize>kk << 5);
        v128.store(t, v128.load(s));
        v128.store(t, v128.load(s, 16), 16);
      }
    }
    return;
  }
  for (let j = 0; j < n16; j += 16) packColumnPanel(b + <usize>j * sBj, sBk, sBj, dst + <usize>(j >> 4) * <usize>kc * 64, kc, 16);
  if (n8 > n16) packColumnPanel(b + <usize>n16 * sBj, sBk, sBj, tail, kc, 8);
}
