import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCATTER_REAL_COLOR, SCATTER_SAMPLE_COLOR, scatterPlot } from '@gan/data';
import { decodeImage } from '@gan/data/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyImageDiscriminator, tinyImageGenerator } from '../testing/image-models.js';
import { memoryDataset } from '../testing/memory-dataset.js';
import { trainGan } from '../train-gan.js';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { decodeEventFile, eventRecord, histogramOf, type TensorBoardEvent } from './events.js';
import { tensorBoardLogger } from './logger.js';
import { readEventFiles } from './writer.js';

// Written once by TensorBoard's own RecordWriter and protobuf (bench/tensorboard/make_fixture.py).
const fixtureDir = join(import.meta.dirname, '..', 'testing', 'tensorboard');
const fixtureBytes = new Uint8Array(readFileSync(join(fixtureDir, 'fixture.tfevents')));
type Described = Omit<TensorBoardEvent, 'summary'> & {
  summary?: Array<{ tag: string; scalar?: number; image?: { encoded: string }; histogram?: unknown }>;
};
const described = JSON.parse(readFileSync(join(fixtureDir, 'fixture.json'), 'utf8')) as Described[];
/** The fixture's events as our types (base64 images as bytes). */
const fixtureEvents: TensorBoardEvent[] = described.map((event) => ({
  ...event,
  summary: event.summary?.map((value) =>
    value.image ? { ...value, image: { ...value.image, encoded: Buffer.from(value.image.encoded, 'base64') } } : value,
  ) as TensorBoardEvent['summary'],
}));

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gan-tb-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('TensorBoard event files', () => {
  it('computes CRC-32C and its TFRecord mask', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    // The masked CRC of the fixture's first length field, as TensorBoard wrote it.
    expect(maskedCrc32c(fixtureBytes.subarray(0, 8))).toBe(new DataView(fixtureBytes.buffer).getUint32(8, true));
  });

  it('encodes the fixture events byte for byte as TensorBoard’s writer did', () => {
    const ours = Buffer.concat(fixtureEvents.map((event) => eventRecord(event)));
    expect(ours.length).toBe(fixtureBytes.length);
    expect(Buffer.compare(ours, fixtureBytes)).toBe(0);
  });

  it('decodes the file TensorBoard wrote', () => {
    const events = decodeEventFile(fixtureBytes);
    expect(events).toHaveLength(fixtureEvents.length);
    for (const [i, event] of events.entries()) {
      const expected = fixtureEvents[i];
      expect(event.wallTime).toBe(expected.wallTime);
      expect(event.step).toBe(expected.step);
      expect(event.fileVersion).toBe(expected.fileVersion);
      expect(event.sessionLog).toBe(expected.sessionLog);
      for (const [j, value] of (event.summary ?? []).entries()) {
        const want = expected.summary?.[j] as Record<string, unknown>;
        expect(value.tag).toBe(want.tag);
        if ('scalar' in value) expect(value.scalar).toBe(Math.fround(want.scalar as number));
        else if ('image' in value) {
          const { encoded, ...size } = want.image as { encoded: Uint8Array };
          expect(value.image).toMatchObject(size);
          expect(Buffer.from(value.image.encoded).equals(Buffer.from(encoded))).toBe(true);
        } else expect(value.histogram).toEqual(want.histogram);
      }
    }
  });

  it('ignores a last record cut short and names a corrupt file', () => {
    expect(decodeEventFile(fixtureBytes.subarray(0, fixtureBytes.length - 5))).toHaveLength(fixtureEvents.length - 1);
    const flipped = fixtureBytes.slice();
    flipped[60] ^= 0xff;
    expect(() => decodeEventFile(flipped, 'run/events.x')).toThrow(/run\/events\.x is corrupt/);
  });

  it('builds histograms with equal-width buckets', () => {
    const histogram = histogramOf([0, 1, 2, 3, Number.NaN], 3);
    expect(histogram).toMatchObject({ min: 0, max: 3, num: 4, sum: 6, sumSquares: 14, buckets: [1, 1, 2] });
    expect(histogram.bucketLimits).toEqual([1, 2, 3]);
    expect(histogramOf([5, 5])).toMatchObject({ bucketLimits: [5], buckets: [2] });
  });
});

describe('tensorBoardLogger', () => {
  it('writes scalars per step, the sample grid and weight histograms per epoch', async () => {
    const dir = tempDir();
    const generator = tinyImageGenerator();
    const discriminator = tinyImageDiscriminator();
    const x = Float32Array.from({ length: 8 * 16 }, (_, i) => Math.sin(i));
    const logger = tensorBoardLogger(dir, {
      batchSize: 4,
      histograms: { generator },
      stepScalars: (info) => ({ 'custom/step': info.globalStep }),
    });
    const tensorsBefore = tf.memory().numTensors;
    await trainGan({
      generator,
      discriminator,
      data: memoryDataset({ x, shape: [4, 4, 1] }),
      epochs: 2,
      batchSize: 4,
      seed: 1,
      sampleCount: 4,
      sampleEpochs: [2],
      generatorLearningRate: 1e-3,
      clipGradientNorm: 1e-3,
      penalty: { kind: 'r1', weight: 5 },
      callbacks: logger,
    }).then((result) => tf.dispose([result.fixedNoise]));
    logger.close();
    // The kept penalty terms and the norms are released too.
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const events = readEventFiles(dir);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    const values = events.flatMap((event) => (event.summary ?? []).map((value) => ({ ...value, step: event.step })));
    const tagged = (tag: string) => values.filter((value) => value.tag === tag);
    expect(tagged('loss/generator').map((value) => value.step)).toEqual([1, 2, 3, 4]);
    expect(tagged('loss/discriminator')).toHaveLength(4);
    const scalars = (tag: string) => tagged(tag).map((value) => ('scalar' in value ? value.scalar : Number.NaN));
    expect(scalars('custom/step')).toEqual([1, 2, 3, 4]);
    expect(scalars('learning_rate/generator')).toEqual([1, 2, 3, 4].map(() => Math.fround(1e-3)));
    expect(scalars('learning_rate/discriminator')).toEqual([1, 2, 3, 4].map(() => Math.fround(2e-4)));
    // Norms before clipping (larger than the limit) and R1's weighted penalty, every step.
    for (const tag of ['gradient_norm/generator', 'gradient_norm/discriminator', 'penalty/discriminator']) {
      expect(scalars(tag)).toHaveLength(4);
      for (const value of scalars(tag)) expect(value).toBeGreaterThan(0);
    }
    expect(Math.min(...scalars('gradient_norm/discriminator'))).toBeGreaterThan(1e-3);
    expect(tagged('epoch/loss_generator').map((value) => value.step)).toEqual([2, 4]);
    const [image] = tagged('samples');
    expect(image.step).toBe(4);
    if (!('image' in image)) throw new Error('expected an image');
    // Four 4×4 samples in a 2×2 grid with padding.
    expect(image.image).toMatchObject({ height: 14, width: 14, colorspace: 1 });
    expect(Array.from(image.image.encoded.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    const kernel = tagged(`weights/generator/${generator.weights[0].name}`);
    expect(kernel.map((value) => value.step)).toEqual([2, 4]);
    if (!('histogram' in kernel[1])) throw new Error('expected a histogram');
    expect(kernel[1].histogram.num).toBe(generator.weights[0].shape.reduce((a, b) => (a ?? 1) * (b ?? 1), 1));
  });

  it('writes 2-D samples as the scatter plot over the real points in grey', async () => {
    const dir = tempDir();
    // The real point (−2, −2) sets the view to ±2.3: the sample (0, 0) is at the centre, (2, 2) up and right.
    const realPoints = Float32Array.of(-2, -2);
    const logger = tensorBoardLogger(dir, { realPoints });
    const samples = tf.tensor2d([0, 0, 2, 2], [2, 2]);
    const tensorsBefore = tf.memory().numTensors;
    await logger.onSamples(1, samples);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    samples.dispose();
    logger.close();

    const images = readEventFiles(dir).flatMap((event) =>
      (event.summary ?? []).filter((value) => value.tag === 'samples'),
    );
    expect(images).toHaveLength(1);
    const [value] = images;
    if (!('image' in value)) throw new Error('expected an image');
    expect(value.image).toMatchObject({ height: 400, width: 400, colorspace: 3 });
    const decoded = await decodeImage(value.image.encoded, 'samples');
    expect(decoded).toMatchObject({ width: 400, height: 400, channels: 3 });
    const pixel = (x: number, y: number) => Array.from(decoded.data.subarray((y * 400 + x) * 3, (y * 400 + x) * 3 + 3));
    const at = (v: number) => Math.round(((v / 2.3 + 1) / 2) * 399);
    expect(pixel(at(0), 399 - at(0))).toEqual([...SCATTER_SAMPLE_COLOR]);
    expect(pixel(at(2), 399 - at(2))).toEqual([...SCATTER_SAMPLE_COLOR]);
    expect(pixel(at(-2), 399 - at(-2))).toEqual([...SCATTER_REAL_COLOR]);
    expect(pixel(at(2), 399 - at(-2))).toEqual([255, 255, 255]);
    // The same picture as gan train's samples/epoch_NNN.png.
    expect(Buffer.compare(decoded.data, scatterPlot(Float32Array.of(0, 0, 2, 2), { realPoints }).data)).toBe(0);
  });

  it('starts a resumed run with a SessionLog START at its next step, in a new file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'events.out.tfevents.0000000001.host.1.0'), fixtureBytes);
    const logger = tensorBoardLogger(dir, { resumeStep: 7 });
    logger.scalars({ 'loss/generator': 0.5 }, 8);
    logger.close();
    const events = readEventFiles(dir).filter((event) => event.file === logger.writer.path);
    expect(
      events.map((event) => [event.step, event.sessionLog ?? event.summary?.[0]?.tag ?? event.fileVersion]),
    ).toEqual([
      [0, 'brain.Event:2'],
      [8, 'start'],
      [8, 'loss/generator'],
    ]);
  });
});
