import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GanError } from '@gan/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgan } from './cgan.js';
import { ganInfo } from './info.js';
import { fileSystemHandler, loadModel, saveModel } from './node.js';
import { oneHotRows, run, useCpu, wave } from './testing/helpers.js';
import { trainModeCalls } from './testing/round-trip.js';

let root: string;
beforeAll(async () => {
  await useCpu();
  root = await mkdtemp(join(tmpdir(), 'gan-models-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function tinyModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [3] });
  const hidden = tfl.layers.dense({ units: 4, activation: 'relu', kernelInitializer: 'glorotNormal' }).apply(input);
  const norm = tfl.layers.batchNormalization().apply(hidden);
  const output = tfl.layers.dense({ units: 2 }).apply(norm) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

async function errorOf(promise: Promise<unknown>): Promise<GanError> {
  try {
    await promise;
  } catch (error) {
    if (GanError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a GanError');
}

describe('fileSystemHandler', () => {
  it("writes tfjs-node's file:// layout and loads it with tf.loadLayersModel", async () => {
    const model = tinyModel();
    const dir = join(root, 'tiny', 'nested');
    const result = await model.save(fileSystemHandler(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((3 * 4 + 4 + 4 * 4 + 4 * 2 + 2) * 4);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);

    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(Object.keys(json)).toEqual(['modelTopology', 'weightsManifest', 'format', 'generatedBy', 'convertedBy']);
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v/);
    expect(json.convertedBy).toBeNull();
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toEqual(
      model.weights.map((w) => w.shape),
    );
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tfl.loadLayersModel(fileSystemHandler(dir));
    const x = wave([2, 3]);
    expect(run(loaded, x).values).toEqual(run(model, x).values);
  });

  it('replaces an earlier save and leaves no temporary files', async () => {
    const dir = join(root, 'replace');
    await saveModel(tinyModel(), dir);
    const second = tinyModel();
    await saveModel(second, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const x = wave([2, 3]);
    expect(run(await loadModel(dir), x).values).toEqual(run(second, x).values);
  });
});

describe('saveModel / loadModel', () => {
  it('refuses to save into a path that is a file', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a folder');
    const error = await errorOf(saveModel(tinyModel(), file));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`Cannot create the folder ${file}`);
  });

  it('round-trips both networks of a cGAN (with LabelMap) with the same outputs', async () => {
    const { generator, discriminator, info } = cgan({
      variant: 'dcgan',
      numClasses: 3,
      imageShape: [8, 8, 1],
      seed: 1,
    });
    await saveModel(generator, join(root, 'cgan', 'generator'));
    await saveModel(discriminator, join(root, 'cgan', 'discriminator'));
    const loadedGenerator = await loadModel(join(root, 'cgan', 'generator'));
    const loadedDiscriminator = await loadModel(join(root, 'cgan', 'discriminator', 'model.json'));

    const z = wave([2, info.latentDim]);
    const labels = oneHotRows([2, 0], 3);
    const images = wave([2, 8, 8, 1], 2);
    expect(run(loadedGenerator, [z, labels]).values).toEqual(run(generator, [z, labels]).values);
    expect(run(loadedDiscriminator, [images, labels]).values).toEqual(run(discriminator, [images, labels]).values);
    expect(loadedGenerator.getUserDefinedMetadata()).toEqual({ gan: info });
    tf.dispose([z, labels, images]);
  });

  it("round-trips a conditional tutorial DCGAN (cgan 'tutorial', 32×32×3): same images for the same z and labels", async () => {
    const gan = cgan({ variant: 'tutorial', numClasses: 3, imageSize: 32, latentDim: 8, ngf: 4, ndf: 4, seed: 2 });
    const z = wave([3, 8]);
    const labels = oneHotRows([2, 0, 1], 3);
    const images = wave([3, 32, 32, 3], 2);
    // Moving batch-norm statistics that are not the initial ones, so that the comparison covers them.
    trainModeCalls(gan.generator, [z, labels], 2);
    trainModeCalls(gan.discriminator, [images, labels], 2);
    const dir = join(root, 'cgan-tutorial');
    await saveModel(gan.generator, join(dir, 'generator'));
    await saveModel(gan.discriminator, join(dir, 'discriminator'));
    const generator = await loadModel(join(dir, 'generator'));
    const discriminator = await loadModel(join(dir, 'discriminator'));

    expect(ganInfo({ generator })).toEqual(gan.info);
    expect(ganInfo({ generator })).toMatchObject({ conditional: true, numClasses: 3, imageShape: [32, 32, 3] });
    expect(run(generator, [z, labels]).values).toEqual(run(gan.generator, [z, labels]).values);
    expect(run(discriminator, [images, labels]).values).toEqual(run(gan.discriminator, [images, labels]).values);
    // The labels still matter after loading.
    const otherLabels = oneHotRows([0, 0, 1], 3);
    expect(run(generator, [z, otherLabels]).values).not.toEqual(run(generator, [z, labels]).values);
    tf.dispose([z, labels, images, otherLabels]);
  });

  it('accepts a file:// URL', async () => {
    const dir = join(root, 'url');
    await saveModel(tinyModel(), dir);
    expect((await loadModel(`file://${dir}`)).inputs[0].shape).toEqual([null, 3]);
  });

  it('says which folder it expected when it is missing', async () => {
    const missing = join(root, 'nope');
    const error = await errorOf(loadModel(missing));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(missing);
    expect(error.message).toMatch(/written by `gan train` or saveModel\(\)/);
    await rm(join(root, 'empty'), { recursive: true, force: true });
    await saveModel(tinyModel(), join(root, 'empty'));
    await rm(join(root, 'empty', 'model.json'));
    expect((await errorOf(loadModel(join(root, 'empty')))).code).toBe('NOT_FOUND');
  });

  it('reports a truncated weights.bin as CORRUPT_FILE with expected and actual bytes', async () => {
    const dir = join(root, 'truncated');
    await saveModel(tinyModel(), dir);
    const bytes = (3 * 4 + 4 + 4 * 4 + 4 * 2 + 2) * 4;
    await truncate(join(dir, 'weights.bin'), bytes - 10);
    const error = await errorOf(loadModel(dir));
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toContain(
      `has ${bytes - 10} bytes, but the weightsManifest of model.json expects ${bytes} bytes`,
    );
    expect(error.message).toContain('truncated');
  });

  it('reports a garbage model.json as CORRUPT_FILE', async () => {
    const dir = join(root, 'garbage');
    await saveModel(tinyModel(), dir);
    await writeFile(join(dir, 'model.json'), '{"modelTopology": {"class_name": "Mod');
    const invalid = await errorOf(loadModel(dir));
    expect(invalid.code).toBe('CORRUPT_FILE');
    expect(invalid.message).toMatch(/model\.json is not valid JSON/);

    await writeFile(join(dir, 'model.json'), JSON.stringify({ hello: 'world' }));
    expect((await errorOf(loadModel(dir))).message).toMatch(/has no modelTopology/);

    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({ modelTopology: { class_name: 'NoSuchLayer', config: {} }, weightsManifest: [] }),
    );
    const unknown = await errorOf(loadModel(dir));
    expect(unknown.code).toBe('CORRUPT_FILE');
    expect(unknown.message).toMatch(/Cannot build a model from .*NoSuchLayer/s);
  });
});
