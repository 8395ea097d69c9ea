// The page the Chromium tests open: `?scenario=<name>&backend=wasm|cpu` runs one training
// scenario; `?checkpoint=1` exchanges checkpoints with Node (node.ckpt next to the page). The
// result (or the error) goes to `window.__aitResult`.
import { SCENARIOS, type ScenarioBackend } from '../scenarios/index';
import { exchangeCheckpoints } from '../scenarios/checkpoint-exchange';

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
