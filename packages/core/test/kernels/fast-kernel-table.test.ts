// FAST_KERNELS is the one list of what registerFastKernels installs: every entry must be in place
// after initBackend, nothing else may carry the fast-kernel mark, a second call must change
// nothing, and the list in CONTRIBUTING.md must be the one rendered from the table.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_KERNELS, initBackend, registerFastKernels, type FastKernelInfo } from '../../src/index';
import { FAST_GRADIENT_ENTRIES } from '../../src/kernels/fast-kernel-table';
import { simdKernelsFor } from '../../src/kernels/wasm/simd-module';
import { asWasmBackend } from '../../src/kernels/wasm/wasm-interop';
import { CONTRIBUTING, generatedBlock, renderFastKernelTable } from '../../scripts/fast-kernel-docs';

const FAST = Symbol.for('@ait/core/fast-kernel');

function isFast(config: tf.KernelConfig | undefined): boolean {
  return (config?.kernelFunc as unknown as Record<symbol, unknown> | undefined)?.[FAST] === true;
}

/** Names of the kernels registered for `backend` that carry the fast-kernel mark, sorted. */
function markedKernels(backend: string): string[] {
  return tf
    .getKernelsForBackend(backend)
    .filter(isFast)
    .map((k) => k.kernelName)
    .sort();
}

/** Every kernel config of `backend` and every gradient the table names, as registered now. */
function registrations(backend: string): unknown[] {
  const kernels = tf.getKernelsForBackend(backend).flatMap((k) => [k.kernelName, k.kernelFunc, k.setupFunc, k.disposeFunc]);
  return [...kernels, ...FAST_KERNELS.map((k) => tf.getGradient(k.kernelName))];
}

const listedFor = (backend: string): FastKernelInfo[] =>
  FAST_KERNELS.filter((k) => k.mode !== 'gradient' && k.mode !== 'missing-gradient' && k.backends.includes(backend as 'wasm'));

describe('FAST_KERNELS, the table registerFastKernels installs from', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    await initBackend({ backend: 'wasm' });
  });

  it('names each kernel once per backend, and each gradient once', () => {
    const keys = FAST_KERNELS.flatMap((k) => k.backends.map((b) => `${b}/${k.kernelName}`));
    expect(keys.length).toBeGreaterThan(30);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of FAST_KERNELS) {
      expect(k.description.length, k.kernelName).toBeGreaterThan(10);
      expect(k.description, k.kernelName).not.toMatch(/\n|\|/);
      expect(k.backends.includes('all'), k.kernelName).toBe(k.mode === 'gradient' || k.mode === 'missing-gradient');
    }
  });

  it('is read-only', () => {
    expect(Object.isFrozen(FAST_KERNELS)).toBe(true);
    expect(FAST_KERNELS.every((k) => Object.isFrozen(k) && Object.isFrozen(k.backends))).toBe(true);
    expect(() => (FAST_KERNELS as FastKernelInfo[]).push(FAST_KERNELS[0] as FastKernelInfo)).toThrow(TypeError);
  });

  it('runs where AiT.js SIMD kernels run, so that the SIMD-only entries are expected on wasm', () => {
    expect(simdKernelsFor(asWasmBackend(tf.engine().findBackend('wasm')))).not.toBeNull();
  });

  it.each(listedFor('wasm').map((k) => [k.kernelName, k.mode] as const))('%s (%s) is the fast kernel on wasm after initBackend', (name) => {
    expect(isFast(tf.getKernel(name, 'wasm'))).toBe(true);
  });

  it.each(['wasm', 'cpu'])('on %s exactly the listed kernels carry the fast-kernel mark', (backend) => {
    expect(markedKernels(backend)).toEqual(
      listedFor(backend)
        .map((k) => k.kernelName)
        .sort(),
    );
  });

  it.each(FAST_GRADIENT_ENTRIES.map((g) => [g.kernelName, g.mode, g] as const))(
    'the %s gradient (%s) is registered',
    (name, mode, entry) => {
      const registered = tf.getGradient(name);
      expect(registered).toBeDefined();
      if (mode === 'gradient') expect(registered).toBe(entry.config);
    },
  );

  it.each(['wasm', 'cpu'])('a second registerFastKernels(%s) changes no kernel and no gradient', (backend) => {
    const before = registrations(backend);
    registerFastKernels(backend);
    registerFastKernels(backend);
    const after = registrations(backend);
    expect(after.length).toBe(before.length);
    after.forEach((r, i) => expect(r, String(i)).toBe(before[i]));
  });

  it('puts a `gradient` entry back over a gradient registered later (as importing tfjs-layers does)', () => {
    const tile = FAST_GRADIENT_ENTRIES.find((g) => g.kernelName === tf.Tile && g.mode === 'gradient');
    expect(tile).toBeDefined();
    const other: tf.GradConfig = { kernelName: tf.Tile, inputsToSave: ['x'], gradFunc: (dy) => ({ x: () => dy as tf.Tensor }) };
    const warn = console.warn;
    console.warn = () => undefined; // tfjs says it overrides the gradient
    try {
      tf.registerGradient(other);
      expect(tf.getGradient(tf.Tile)).toBe(other);
      registerFastKernels('cpu');
    } finally {
      console.warn = warn;
    }
    expect(tf.getGradient(tf.Tile)).toBe(tile?.config);
  });

  it("throws naming the kernel where a backend lacks one that an entry wraps (webgpu's BatchMatMul, not loaded here)", () => {
    expect(tf.getKernelsForBackend('webgpu')).toHaveLength(0);
    expect(() => registerFastKernels('webgpu')).toThrow("registerFastKernels: backend 'webgpu' has no BatchMatMul kernel.");
  });

  it('is the list in CONTRIBUTING.md (regenerate it with `pnpm exec tsx scripts/fast-kernel-docs.ts` in packages/core)', () => {
    const block = generatedBlock(readFileSync(CONTRIBUTING, 'utf8'));
    expect(block, 'CONTRIBUTING.md has the generated block').not.toBeNull();
    expect(block).toBe(renderFastKernelTable());
    for (const k of FAST_KERNELS) expect(block).toContain(`\`${k.kernelName}\``);
  });
});
