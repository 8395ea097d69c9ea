import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What bench/reference_vit.py prints. */
export interface TorchResult {
  torch: string;
  threads: number;
  blas: string;
  python: string;
  matmul: { n: number; case: 'nn' | 'nt' | 'tn' | 'tt'; ms: number; gflops: number }[];
  attention: { forward_ms: number; forward_backward_ms: number };
  train: { params: number; batch: number; step_ms: number[]; images_per_s: number };
}

/** How to get PyTorch when it is missing (Debian's build; it installs for /usr/bin/python3). */
export const TORCH_HINT =
  'PyTorch not found: `apt-get install python3-torch libopenblas0-pthread` (Debian installs it for ' +
  '/usr/bin/python3, which may not be the first python3 on PATH; without libopenblas0-pthread it falls ' +
  'back to a slow reference BLAS).';

/** The first Python that can import torch: /usr/bin/python3 first, then python3 on PATH. */
export function findTorchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

/**
 * Runs bench/reference_vit.py with `threads` torch threads and OPENBLAS_NUM_THREADS=1; returns
 * its JSON, or an Error message.
 */
export function runTorch(python: string, threads: number, steps: number, quick: boolean): TorchResult | string {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = [join(here, 'reference_vit.py'), '--threads', String(threads), '--steps', String(steps)];
  if (quick) args.push('--quick');
  const r = spawnSync(python, args, {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) return `reference_vit.py failed (exit ${r.status}): ${(r.stderr ?? '').slice(-500)}`;
  try {
    return { ...(JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchResult), python };
  } catch {
    return `reference_vit.py printed no JSON: ${r.stdout.slice(-300)}`;
  }
}
