import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { cli } from './helpers';

describe('ait train --config: malformed files', () => {
  const dir = useTempDir('ait-cli-');

  const attempt = async (name: string, text: string) => {
    const path = join(dir(), name);
    await writeFile(path, text, 'utf8');
    return { path, ...(await cli('train', '--config', path)) };
  };

  it('reports YAML and JSON syntax errors with the file name', async () => {
    const y = await attempt('broken.yaml', 'epochs: [1, 2\nmodel: ait-tiny\n');
    expect(y.code).toBe(2);
    expect(y.err).toContain(`Config file ${y.path} is not valid YAML`);
    expect(y.err.trim().split('\n')).toHaveLength(1);
    const j = await attempt('broken.json', '{ "epochs": 2, }');
    expect(j.code).toBe(2);
    expect(j.err).toContain(`Config file ${j.path} is not valid JSON`);
  });

  it('points at the offending keys: wrong types, bad values, unknown keys', async () => {
    const t = await attempt('types.yaml', 'epochs: two\nbatchSize: 0\nlr: -1\n');
    expect(t.code).toBe(2);
    expect(t.err).toContain('key "epochs": must be a number');
    expect(t.err).toContain('key "batchSize": must be >= 1');
    expect(t.err).toContain('key "lr": must be > 0');
    const u = await attempt('unknown.json', JSON.stringify({ epochs: 1, learningRate: 0.1 }));
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/key "\(top level\)": Unrecognized key: "learningRate"/);
    const b = await attempt('backend.yaml', 'backend: gpu\n');
    expect(b.err).toContain('key "backend": must be one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu');
    const n = await attempt('nested.yaml', 'modelConfig: 3\n');
    expect(n.err).toContain('key "modelConfig": must be a mapping');
  });

  it('reports a bad model config key through the model schema, and a missing file', async () => {
    const m = await attempt('model.yaml', 'trainSize: 8\ntestSize: 4\nbackend: cpu\nmodelConfig:\n  depth: -2\n');
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/Model "ait-tiny-conv" rejects its config: .*depth/); // the default model
    const missing = await cli('train', '--config', join(dir(), 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/Cannot read config file .*nope.yaml \(ENOENT\); check the path/);
  });
});
