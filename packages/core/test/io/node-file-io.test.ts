import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, sequential, type LayersModel } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { Dense, fileSystemHandler, LayerNorm, ModelFileError, registerFileSystemRouter } from '../../src/index';
import { useBackend, useTempDir } from '../../testing/index';

useBackend('cpu', 3);
const dir = useTempDir('ait-core-io-');

function smallModel(): LayersModel {
  const m = sequential({
    layers: [new Dense({ units: 5, inputShape: [4], activation: 'geluTanh' }), new LayerNorm({}), new Dense({ units: 3 })],
  });
  m.setWeights(m.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 40 + i)));
  return m;
}

async function expectSamePredictions(a: LayersModel, b: LayersModel): Promise<void> {
  const x = tf.randomNormal([6, 4], 0, 1, 'float32', 9);
  const pa = a.predict(x) as tf.Tensor;
  const pb = b.predict(x) as tf.Tensor;
  expect(Array.from(await pb.data())).toEqual(Array.from(await pa.data()));
  tf.dispose([x, pa, pb]);
}

describe('Node file IO handler', () => {
  it("model.save('file://dir') and loadLayersModel('file://dir/model.json') round-trip without tfjs-node", async () => {
    const m = smallModel();
    const target = join(dir(), 'nested', 'model-a');
    const result = await m.save(`file://${target}`);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(m.countParams() * 4);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    expect((await readFile(join(target, 'weights.bin'))).byteLength).toBe(m.countParams() * 4);
    const loaded = await loadLayersModel(`file://${join(target, 'model.json')}`);
    expect(loaded.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
    await expectSamePredictions(m, loaded);
    m.dispose();
    loaded.dispose();
  });

  it('fileSystemHandler saves into a folder and loads from the folder, keeping userDefinedMetadata', async () => {
    const m = smallModel();
    m.setUserDefinedMetadata({ imageSize: 8, labelNames: ['a', 'b', 'c'] });
    const target = join(dir(), 'model-b');
    await m.save(fileSystemHandler(target));
    const loaded = await loadLayersModel(fileSystemHandler(target));
    expect(loaded.getUserDefinedMetadata()).toEqual({ imageSize: 8, labelNames: ['a', 'b', 'c'] });
    await expectSamePredictions(m, loaded);
    m.dispose();
    loaded.dispose();
  });

  it('bad paths give errors that name the path and the problem', async () => {
    await expect(loadLayersModel(`file://${join(dir(), 'missing', 'model.json')}`)).rejects.toThrow(
      /missing[/\\]model\.json does not exist\. Give the model\.json/,
    );
    const notJson = join(dir(), 'broken.json');
    await writeFile(notJson, '{ not json', 'utf8');
    await expect(loadLayersModel(fileSystemHandler(notJson))).rejects.toThrow(/broken\.json: it is not valid JSON/);
    const m = smallModel();
    const noWeights = join(dir(), 'no-weights');
    await m.save(fileSystemHandler(noWeights));
    await rm(join(noWeights, 'weights.bin'));
    await expect(loadLayersModel(fileSystemHandler(noWeights))).rejects.toThrow(
      /weights\.bin: it does not exist\. Keep weights\.bin beside/,
    );
    const aFile = join(dir(), 'a-file');
    await writeFile(aFile, 'x', 'utf8');
    const err = await m.save(`file://${aFile}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/a-file: it is a file; give a folder/);
    m.dispose();
  });

  it("steps aside when another file:// router (tfjs-node's) is registered, whatever the order", async () => {
    registerFileSystemRouter(); // again: no second registration
    expect(tf.io.getSaveHandlers('file:///tmp/x')).toHaveLength(1);
    let saved: tf.io.ModelArtifacts | undefined;
    const other: tf.io.IOHandler = {
      save: async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    };
    // registered after ours, as when tfjs-node is imported after @ait/core
    tf.io.registerSaveRouter((url) =>
      typeof url === 'string' && url.startsWith('file://') ? other : (null as unknown as tf.io.IOHandler),
    );
    const handlers = tf.io.getSaveHandlers('file:///tmp/x');
    expect(handlers).toEqual([other]);
    const m = smallModel();
    await m.save(`file://${join(dir(), 'other')}`);
    expect(saved?.modelTopology).toBeDefined();
    m.dispose();
    // other URL schemes are not answered by the file router
    expect(tf.io.getLoadHandlers('mem://model.json')).toHaveLength(0);
  });
});
