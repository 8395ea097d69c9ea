/**
 * Float64 reference of the convolutional stem: per stage `conv2d(k x k, stride 1, same padding)
 * + bias -> ReLU -> max pool (p, stride p, valid)`, on flat NHWC arrays.
 */
export interface StemStage {
  /** Flat kernel `[k, k, cin, cout]`. */
  kernel: readonly number[];
  /** Bias `[cout]`. */
  bias: readonly number[];
  k: number;
  cin: number;
  cout: number;
}

/** Runs the stages on `x [B, H, W, C]`; returns the output and its shape. */
export function naiveConvStem(
  x: readonly number[],
  shape: readonly [number, number, number, number],
  stages: readonly StemStage[],
  pool: number,
): { out: number[]; shape: [number, number, number, number] } {
  const B = shape[0];
  let [, H, W] = shape;
  let cur = [...x];
  for (const s of stages) {
    const { k, cin, cout } = s;
    const before = Math.floor((k - 1) / 2);
    const conv = new Array<number>(B * H * W * cout).fill(0);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let o = 0; o < cout; o++) {
            let acc = s.bias[o] as number;
            for (let di = 0; di < k; di++)
              for (let dj = 0; dj < k; dj++) {
                const yi = i + di - before;
                const xj = j + dj - before;
                if (yi < 0 || yi >= H || xj < 0 || xj >= W) continue;
                for (let c = 0; c < cin; c++) {
                  acc += (cur[((b * H + yi) * W + xj) * cin + c] as number) * (s.kernel[((di * k + dj) * cin + c) * cout + o] as number);
                }
              }
            conv[((b * H + i) * W + j) * cout + o] = Math.max(0, acc);
          }
    const h2 = Math.floor(H / pool);
    const w2 = Math.floor(W / pool);
    const pooled = new Array<number>(B * h2 * w2 * cout).fill(0);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < h2; i++)
        for (let j = 0; j < w2; j++)
          for (let o = 0; o < cout; o++) {
            let m = -Infinity;
            for (let di = 0; di < pool; di++)
              for (let dj = 0; dj < pool; dj++) m = Math.max(m, conv[((b * H + i * pool + di) * W + j * pool + dj) * cout + o] as number);
            pooled[((b * h2 + i) * w2 + j) * cout + o] = m;
          }
    cur = pooled;
    H = h2;
    W = w2;
  }
  const last = stages[stages.length - 1] as StemStage;
  return { out: cur, shape: [B, H, W, last.cout] };
}
