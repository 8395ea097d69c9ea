// auto's out-of-process WebGPU probe: Dawn is asked for its adapter in a child process, so that
// what the drivers print while Dawn enumerates them (lavapipe: "Warning: maxDynamicUniformBuffers...
// artificially reduced ...") stays off the terminal when WebGPU is only probed. Checked with fake
// `webgpu` modules (every way the child can end), through tryWebgpu with a stubbed probe, and on
// this machine's real adapter where there is one (lavapipe in CI), where the terminal is read.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { WebGpuLoad } from '../../src/index';
import { tryWebgpu } from '../../src/backend/try-webgpu';
import { nodePlatform } from '../../src/platform/node-platform';
import { probeDawnAdapter } from '../../src/platform/node-webgpu';
import { setRuntimePlatform, type WebGpuAdapterProbe } from '../../src/platform/runtime-platform';
import { webgpuMissing } from '../../testing/index';

const dir = mkdtempSync(join(tmpdir(), 'ait-webgpu-probe-'));

/** A fake `webgpu` package: an ES module with `body` as its source; its file URL. */
function fakeWebgpu(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, body);
  return pathToFileURL(file).href;
}

/** Runs `code` (TypeScript, importing @ait/core's sources) in a new Node process; its exit code, stdout and stderr. */
function runNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const file = join(dir, `run-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, code);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, '--conditions=@ait/source', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stdout, stderr }));
  });
}

const SRC_INDEX = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probeDawnAdapter: Dawn in a child process', () => {
  it('reports the adapter the package offers, whatever else the child prints on stdout and stderr', async () => {
    const url = fakeWebgpu(
      'gpu',
      `console.log('Info: some line of Dawn on stdout'); console.error('Warning: something artificially reduced');
       export const globals = {};
       export function create(options) {
         if (options.length !== 0) throw new Error('expected no options');
         return { requestAdapter: async (o) => ({ info: { vendor: 'nvidia', architecture: o.powerPreference, description: 'NVIDIA H100', extra: 1 }, features: new Set() }) };
       }`,
    );
    expect(await probeDawnAdapter({ packageUrl: url })).toEqual({
      found: 'adapter',
      adapter: { vendor: 'nvidia', architecture: 'high-performance', description: 'NVIDIA H100' },
    });
  });

  it('carries a fallback flag from the adapter or its info', async () => {
    const url = fakeWebgpu(
      'fallback',
      `export function create() { return { requestAdapter: async () => ({ isFallbackAdapter: true, info: { device: 'swiftshader' } }) }; }`,
    );
    expect(await probeDawnAdapter({ packageUrl: url })).toEqual({
      found: 'adapter',
      adapter: { device: 'swiftshader', isFallbackAdapter: true },
    });
  });

  it('says when there is no adapter, with the driver to install', async () => {
    const url = fakeWebgpu('none', `export function create() { return { requestAdapter: async () => null }; }`);
    const probe = await probeDawnAdapter({ packageUrl: url });
    expect(probe).toMatchObject({ found: 'none', source: 'the webgpu package (Dawn)' });
    expect(probe.found === 'none' && probe.noAdapterHint).toMatch(/Dawn needs/);
  });

  it('names the step that failed: loading, create(), requestAdapter()', async () => {
    const broken = fakeWebgpu('broken', `throw new Error('dawn.node: cannot open shared object file');`);
    const probe1 = await probeDawnAdapter({ packageUrl: broken });
    expect(probe1.found).toBe('unavailable');
    expect(probe1.found === 'unavailable' && probe1.reason).toMatch(
      /installed but failed to load .*: dawn\.node: cannot open shared object file/,
    );
    const notDawn = fakeWebgpu('not-dawn', `export const something = 1;`);
    expect(await probeDawnAdapter({ packageUrl: notDawn })).toMatchObject({ found: 'unavailable', reason: /not Dawn's webgpu package/ });
    const create = fakeWebgpu('create', `export function create() { throw new Error('no Vulkan loader'); }`);
    expect(await probeDawnAdapter({ packageUrl: create })).toMatchObject({
      found: 'unavailable',
      installed: false,
      reason: /failed to create a WebGPU instance: no Vulkan loader/,
    });
    const request = fakeWebgpu(
      'request',
      `export function create() { return { requestAdapter: async () => { throw new Error('vkCreateInstance failed'); } }; }`,
    );
    expect(await probeDawnAdapter({ packageUrl: request })).toMatchObject({
      found: 'unavailable',
      installed: false,
      reason: /asking the webgpu package \(Dawn\) for a WebGPU adapter failed \(vkCreateInstance failed\); Dawn needs/,
    });
  });

  it('kills a child whose driver does not answer, and reports a crashed one with its last words', async () => {
    const hang = fakeWebgpu(
      'hang',
      `setInterval(() => {}, 1000); export function create() { return { requestAdapter: () => new Promise(() => {}) }; }`,
    );
    const started = performance.now();
    expect(await probeDawnAdapter({ packageUrl: hang, timeoutMs: 1500 })).toMatchObject({
      found: 'unavailable',
      installed: false,
      reason: /found no adapter within 2 s \(the GPU driver did not answer\)/,
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    const crash = fakeWebgpu(
      'crash',
      `export function create() { return { requestAdapter: async () => { process.stderr.write('vk: device lost in driver\\n', () => process.kill(process.pid, 'SIGKILL')); return new Promise(() => {}); } }; }`,
    );
    expect(await probeDawnAdapter({ packageUrl: crash })).toMatchObject({
      found: 'unavailable',
      installed: false,
      reason: /crashed \(SIGKILL\) while looking for an adapter: vk: device lost in driver/,
    });
  });

  it('gives up (look in this process) when the child ends without a report', async () => {
    const exits = fakeWebgpu('exits', `process.exit(3);`);
    expect(await probeDawnAdapter({ packageUrl: exits })).toMatchObject({ found: 'unknown', reason: /exited with code 3/ });
  });
});

describe('tryWebgpu: auto asks the out-of-process probe first', () => {
  afterEach(() => setRuntimePlatform(nodePlatform));

  /** The Node platform with both hooks stubbed; `load` reports that it was called. */
  function stub(probe: WebGpuAdapterProbe): { load: ReturnType<typeof vi.fn<() => Promise<WebGpuLoad>>>; probe: ReturnType<typeof vi.fn> } {
    const load = vi.fn<() => Promise<WebGpuLoad>>(async () => ({ loaded: false, reason: 'looked in this process' }));
    const probeHook = vi.fn(async () => probe);
    setRuntimePlatform({ ...nodePlatform, loadWebGpu: load, probeWebGpuAdapter: probeHook });
    return { load, probe: probeHook };
  }

  it('refuses a software adapter found by the probe without loading WebGPU here', async () => {
    const { load } = stub({
      found: 'adapter',
      adapter: { vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7' },
    });
    const attempt = await tryWebgpu(false);
    expect(attempt.ok).toBe(false);
    expect(attempt.reason).toMatch(/only WebGPU adapter is a software one, llvmpipe: Mesa 25\.0\.7 \(software\).*ask for backend "webgpu"/);
    expect(attempt.adapter).toEqual({
      name: 'llvmpipe: Mesa 25.0.7 (software)',
      software: true,
      softwareBecause: 'its architecture is "software"',
    });
    expect(load).not.toHaveBeenCalled();
  });

  it('passes on no adapter and WebGPU that cannot start, without loading it here', async () => {
    const none = stub({ found: 'none', source: 'the webgpu package (Dawn)', noAdapterHint: 'install a Vulkan driver' });
    expect(await tryWebgpu(false)).toEqual({
      ok: false,
      installed: false,
      reason: 'the webgpu package (Dawn) found no WebGPU adapter; install a Vulkan driver',
    });
    expect(none.load).not.toHaveBeenCalled();
    const unavailable = stub({ found: 'unavailable', reason: 'the webgpu package is installed but failed to load: x' });
    expect(await tryWebgpu(false)).toEqual({ ok: false, reason: 'the webgpu package is installed but failed to load: x' });
    expect(unavailable.load).not.toHaveBeenCalled();
  });

  it('loads WebGPU here for a hardware adapter, or when the probe cannot tell', async () => {
    for (const probe of [
      { found: 'adapter', adapter: { vendor: 'nvidia', description: 'NVIDIA H100 80GB HBM3' } },
      { found: 'unknown', reason: 'no child process' },
    ] as const) {
      const { load } = stub(probe);
      expect(await tryWebgpu(false)).toEqual({ ok: false, reason: 'looked in this process' });
      expect(load).toHaveBeenCalledOnce();
    }
  });

  it('an explicit webgpu request does not probe: it will use the adapter, software or not', async () => {
    const { load, probe } = stub({ found: 'none', source: 's', noAdapterHint: 'h' });
    expect((await tryWebgpu(true)).reason).toBe('looked in this process');
    expect(probe).not.toHaveBeenCalled();
    expect(load).toHaveBeenCalledOnce();
  });
});

describe('on this machine', async () => {
  const missing = await webgpuMissing('the real out-of-process probe');

  it.skipIf(missing !== null)('the child finds the adapter this process finds', async () => {
    // a fresh process: this one has Dawn loaded already (webgpuMissing), where the probe defers to it
    const { stdout, code } = await runNode(
      `import '${SRC_INDEX}';
       import { probeDawnAdapter } from '${pathToFileURL(fileURLToPath(new URL('../../src/platform/node-webgpu.ts', import.meta.url))).href}';
       import { describeAdapter, describeAdapterInfo } from '${pathToFileURL(fileURLToPath(new URL('../../src/webgpu/describe-adapter.ts', import.meta.url))).href}';
       import { loadDawnWebGpu } from '${pathToFileURL(fileURLToPath(new URL('../../src/platform/node-webgpu.ts', import.meta.url))).href}';
       const probe = await probeDawnAdapter();
       const here = await loadDawnWebGpu();
       const adapter = here.loaded ? await here.gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
       console.log(JSON.stringify({ probe, child: probe.found === 'adapter' ? describeAdapterInfo(probe.adapter) : null, here: adapter && describeAdapter(adapter) }));
       process.exit(0);`,
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { probe: WebGpuAdapterProbe; child: unknown; here: unknown };
    expect(result.probe.found).toBe('adapter');
    expect(result.child).toEqual(result.here);
  });

  it.skipIf(missing !== null)("auto leaves nothing of Dawn's on the terminal; an explicit webgpu shows what the driver says", async () => {
    const run = (backend: string): ReturnType<typeof runNode> =>
      runNode(
        `import { initBackend } from '${SRC_INDEX}';
         const info = await initBackend({ backend: '${backend}' });
         console.log(JSON.stringify({ backend: info.backend, webgpu: info.attempts.find((a) => a.backend === 'webgpu') }));
         process.exit(0);`,
      );
    const auto = await run('auto');
    expect(auto.code).toBe(0);
    const chosen = JSON.parse(auto.stdout.trim().split('\n').pop() ?? '{}') as { backend: string; webgpu?: { reason: string } };
    expect(chosen.webgpu).toBeDefined();
    if (chosen.backend !== 'webgpu') {
      // WebGPU was only probed (a software or no adapter here): not a line of it on the terminal
      expect(auto.stderr).toBe('');
      expect(auto.stdout).not.toMatch(/Warning:|artificially reduced/);
    }
    const explicit = await run('webgpu');
    expect(explicit.code).toBe(0);
    if (chosen.backend !== 'webgpu' && !/artificially reduced/.test(explicit.stderr)) {
      console.warn('[webgpu] the driver here prints nothing while Dawn enumerates it: the check above could not have failed');
    }
  });
});

describe('the Node platform', () => {
  it('has the out-of-process probe', () => {
    expect(nodePlatform.probeWebGpuAdapter).toBeTypeOf('function');
  });
});
