// The page the Chromium tests open: `?scenario=<name>&backend=wasm|cpu|webgpu` runs one training
// scenario; `?checkpoint=1` exchanges checkpoints with Node (node.ckpt next to the page);
// `?backends=1` reports what initBackend chooses and says in a browser; `?webgpu=1` what the
// browser's WebGPU offers and what initBackend's `auto` and `webgpu` do with it
// (scenarios/webgpu-backends.ts); `?bench=1&steps=N` times training steps (bench/step-time.ts);
// `?pretrained=1&backend=wasm|cpu` loads @ait/vision's first pretrained model by name and reports its
// predictions (scenarios/pretrained-model.ts).
// The result (or the error) goes to `window.__aitResult`.
import { initBackend } from '@ait/core';
import { SCENARIOS, type ScenarioBackend } from '../scenarios/index';
import { checkpointFiles, exchangeCheckpoints } from '../scenarios/checkpoint-exchange';
import { pretrainedPredictions } from '../scenarios/pretrained-model';
import { timeAitTinySteps } from '../scenarios/step-timing';
import { webgpuBackends } from '../scenarios/webgpu-backends';

declare global {
  interface Window {
    __aitResult?: unknown;
  }
}

async function main(): Promise<unknown> {
  const params = new URLSearchParams(location.search);
  if (params.get('checkpoint') === '1') {
    const response = await fetch('node.ckpt');
    return exchangeCheckpoints(new Uint8Array(await response.arrayBuffer()));
  }
  if (params.get('files') === '1') return checkpointFiles();
  if (params.get('pretrained') === '1') return pretrainedPredictions((params.get('backend') ?? 'wasm') as ScenarioBackend);
  if (params.get('webgpu') === '1') return webgpuBackends();
  if (params.get('bench') === '1') return timeAitTinySteps(Number(params.get('steps') ?? 20), 3);
  if (params.get('backends') === '1') {
    // a wrong wasm location first (nothing may be initialised before), then the default one
    const missing = await initBackend({ backend: 'auto', wasmPaths: '/no-such-folder/' }).then(
      () => 'no error',
      (err: unknown) => (err as Error).message,
    );
    const webgl = await initBackend({ backend: 'webgl' }).then(
      (info) => info.summary,
      (err: unknown) => (err as Error).message,
    );
    const auto = await initBackend({ backend: 'auto' });
    return { missing, webgl, auto: { backend: auto.backend, summary: auto.summary, simdKernels: auto.simdKernels, threads: auto.threads } };
  }
  const name = params.get('scenario') ?? '';
  const run = SCENARIOS[name];
  if (!run) throw new Error(`unknown scenario "${name}"`);
  return run((params.get('backend') ?? 'wasm') as ScenarioBackend);
}

main().then(
  (result) => {
    window.__aitResult = result;
  },
  (err: unknown) => {
    window.__aitResult = { error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
  },
);
