// Part of @ait/core's WebAssembly SIMD kernels (entry: index.ts). Pointers are byte offsets on
// tfjs-backend-wasm's heap, which the module imports; nothing here allocates or keeps state.

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
