import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { GanError, createRandom } from '@gan/core';
import type { ArrayDataset } from '@gan/data';
import {
  type FeatureNetwork,
  featureAndProbabilityModel,
  featureBatch,
  frechetDistance,
  inceptionScore,
  kernelInceptionDistance,
  precisionRecall,
  runningStatistics,
} from '@gan/metrics';
import { digitClassifierPath, loadDigitClassifier, loadInceptionGraphModel } from '@gan/metrics/node';
import { loadNpy } from '@gan/data/node';
import { loadModel } from '@gan/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { backendFlag, integerFlag } from './args.js';
import { loadData } from './datasets.js';
import { readRunConfig } from './sample-command.js';
import { runPaths, writeJson } from './run-files.js';

export const evalUsage = `gan eval --from DIR [options]
gan eval --images FILE.npy --data SPEC [options]

Measures a trained generator against real data and writes eval.json into DIR.

  --from DIR          run folder written by gan train
  --images FILE.npy   measure these images instead of a run's generator: float32 (N, H, W, C) or (N, H, W)
                      in [0, 1], e.g. from gan sample --out x.npy or another library (a PyTorch run saved
                      with numpy.save after moving channels last); writes FILE.eval.json
  --data SPEC         real images: shapes, mnist, fashion-mnist or a folder (default: the run's training data)
  --metrics LIST      comma-separated: fid, kid, is, pr (precision/recall) (default fid,kid,is)
  --count N           generated images (default 10000)
  --real-count N      real images (default: as many as --count, at most the data set)
  --batch-size N      images per forward pass (default 200)
  --splits N          Inception Score splits (default 10)
  --kid-subsets N     KID subsets (default 100; each of min(1000, count) samples)
  --features PATH     tfjs graph model (folder or model.json, e.g. Inception-v3 converted with
                      tensorflowjs_converter) for images that are not 28×28×1; required for those
  --features-range R  value range the --features model expects: 0,1 or -1,1 (default 0,1)
  --seed N            seed for the noise and the KID subsets (default 0)
  --backend NAME      auto | tensorflow | webgpu | wasm | cpu (default auto)

28×28×1 runs are measured with the digit classifier shipped in @gan/metrics (64 penultimate features, softmax
for IS). Its numbers are comparable only with other numbers of this same protocol, not with published
Inception-based FIDs.`;

const knownMetrics = ['fid', 'kid', 'is', 'pr'] as const;
type MetricName = (typeof knownMetrics)[number];

function metricList(value: string | undefined): MetricName[] {
  const names = (value ?? 'fid,kid,is').split(',').map((name) => name.trim().toLowerCase());
  for (const name of names) {
    if (!(knownMetrics as readonly string[]).includes(name)) {
      throw new GanError(
        'UNKNOWN_NAME',
        `Unknown metric "${name}" in --metrics. Expected some of: ${knownMetrics.join(', ')}.`,
      );
    }
  }
  return [...new Set(names)] as MetricName[];
}

/** The feature network, how images must be prepared for it, and how to describe it in the report. */
export interface FeatureSetup {
  network: FeatureNetwork;
  prepare: (images01: tf.Tensor4D) => tf.Tensor4D;
  description: string;
  hasProbabilities: boolean;
}

export async function featureSetup(
  path: string | undefined,
  imageShape: readonly number[],
  range: string,
): Promise<FeatureSetup> {
  const is28Gray = imageShape.length === 3 && imageShape[0] === 28 && imageShape[1] === 28 && imageShape[2] === 1;
  if (!path) {
    if (!is28Gray) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `This run makes [${imageShape.join(', ')}] images; the built-in feature network (the @gan/metrics digit classifier) ` +
          'takes 28×28×1 only. Pass --features PATH to a tfjs graph model for natural images, e.g. Inception-v3 converted ' +
          'with tensorflowjs_converter (nothing is downloaded for you).',
      );
    }
    const classifier = await loadDigitClassifier();
    return {
      network: featureAndProbabilityModel(classifier),
      prepare: (images) => images,
      description:
        `@gan/metrics digit classifier (${digitClassifierPath()}): 64 penultimate ReLU features, softmax for IS; ` +
        'trained on 8000 MNIST t10k digits, 2000 held out. Not Inception-v3: compare only with numbers of this protocol.',
      hasProbabilities: true,
    };
  }
  if (range !== '0,1' && range !== '-1,1') {
    throw new GanError('INVALID_ARGUMENT', `Expected --features-range 0,1 or -1,1, got "${range}".`);
  }
  const model = await loadInceptionGraphModel(path);
  const inputShape = model.inputs[0]?.shape ?? [];
  const [height, width] = [inputShape[1], inputShape[2]];
  const channels = inputShape[3] ?? 3;
  return {
    network: (images) => model.predict(images) as tf.Tensor | tf.Tensor[],
    prepare: (images) =>
      tf.tidy(() => {
        let x: tf.Tensor4D = images;
        if (height && width && height > 0 && width > 0 && (height !== x.shape[1] || width !== x.shape[2])) {
          x = tf.image.resizeBilinear(x, [height, width]);
        }
        if (channels === 3 && x.shape[3] === 1) x = tf.tile(x, [1, 1, 1, 3]);
        return range === '-1,1' ? tf.sub(tf.mul(x, 2), 1) : x;
      }),
    description:
      `graph model ${path} (input [${inputShape.join(', ')}], values in [${range}], images resized bilinearly); ` +
      'its first output is the feature vector' +
      (model.outputs.length > 1 ? ', its second the class probabilities' : ''),
    hasProbabilities: model.outputs.length > 1,
  };
}

/** Real images `start .. start+count` of `data` as `[n, h, w, c]` in [0, 1]. */
export function realBatch(data: ArrayDataset, start: number, count: number): tf.Tensor4D {
  const size = data.shape.reduce((a, b) => a * b, 1);
  const raw = data.x.subarray(start * size, (start + count) * size);
  const [low, high] = data.range;
  const values =
    raw instanceof Uint8Array
      ? Float32Array.from(raw, (v) => v / 255)
      : Float32Array.from(raw, (v) => (v - low!) / (high! - low!));
  return tf.tensor4d(values, [count, ...(data.shape as [number, number, number])]);
}

export interface Collected {
  statistics: ReturnType<typeof runningStatistics>;
  features: Float32Array[];
  probabilities: Float32Array[];
  dim: number;
  classes: number;
}

export async function collect(
  setup: FeatureSetup,
  count: number,
  batchSize: number,
  makeBatch: (start: number, size: number) => tf.Tensor4D,
  keepFeatures: boolean,
): Promise<Collected> {
  let collected: Collected | undefined;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const images = makeBatch(start, size);
    const prepared = setup.prepare(images);
    const { features, probabilities } = featureBatch(setup.network, prepared);
    tf.dispose([images, prepared]);
    const values = (await features.data()) as Float32Array;
    collected ??= {
      statistics: runningStatistics(features.shape[1]),
      features: [],
      probabilities: [],
      dim: features.shape[1],
      classes: probabilities?.shape[1] ?? 0,
    };
    collected.statistics.add(values);
    if (keepFeatures) collected.features.push(values);
    if (probabilities) collected.probabilities.push((await probabilities.data()) as Float32Array);
    tf.dispose([features, ...(probabilities ? [probabilities] : [])]);
  }
  return collected!;
}

/** Features of `count` images from the run's generator, from seeded noise as `gan sample` makes it. */
async function generatedFeatures(
  from: string,
  config: ReturnType<typeof readRunConfig>,
  setup: FeatureSetup,
  count: number,
  batchSize: number,
  random: ReturnType<typeof createRandom>,
  keepFeatures: boolean,
): Promise<Collected> {
  const { info } = config;
  const generator = await loadModel(runPaths(from).generator);
  const noiseKind = config.training?.noise ?? 'normal';
  const range = info.outputRange ?? [-1, 1];
  try {
    return await collect(
      setup,
      count,
      batchSize,
      (start, size) =>
        tf.tidy((): tf.Tensor4D => {
          const noiseValues =
            noiseKind === 'uniform'
              ? random.uniform(size * info.latentDim, -1, 1)
              : random.normal(size * info.latentDim);
          const noise = tf.tensor2d(noiseValues, [size, info.latentDim]);
          let inputs: tf.Tensor | tf.Tensor[] = noise;
          if (info.conditional) {
            const k = info.numClasses!;
            const indices = Array.from({ length: size }, (_, i) => (start + i) % k);
            inputs = [noise, tf.cast(tf.oneHot(tf.tensor1d(indices, 'int32'), k), 'float32')];
          }
          const output = generator.predict(inputs) as tf.Tensor4D;
          return tf.clipByValue(tf.div(tf.sub(output, range[0]), range[1] - range[0]), 0, 1) as tf.Tensor4D;
        }),
      keepFeatures,
    );
  } finally {
    generator.dispose();
  }
}

/** Images to measure from a float32 .npy file: (N, H, W, C) or (N, H, W), values in [0, 1]. */
export async function loadImages(
  path: string,
): Promise<{ count: number; imageShape: number[]; batch: (start: number, size: number) => tf.Tensor4D }> {
  const { data, shape } = await loadNpy(path);
  if (shape.length !== 3 && shape.length !== 4) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected --images ${path} to hold images of shape (N, H, W, C) or (N, H, W), got (${shape.join(', ')}). ` +
        'Images saved channels-first (N, C, H, W), as PyTorch keeps them, need moving channels last first (numpy: x.transpose(0, 2, 3, 1)).',
    );
  }
  if (shape[0]! < 2) {
    throw new GanError('INVALID_ARGUMENT', `--images ${path} holds ${shape[0]} image(s); the metrics need at least 2.`);
  }
  const imageShape = shape.length === 3 ? [shape[1]!, shape[2]!, 1] : shape.slice(1);
  if (imageShape[2] !== 1 && imageShape[2] !== 3 && (imageShape[0] === 1 || imageShape[0] === 3)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `--images ${path} has shape (${shape.join(', ')}), which looks channels-first. Save it as (N, H, W, C): numpy x.transpose(0, 2, 3, 1).`,
    );
  }
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    if (!Number.isFinite(v)) {
      throw new GanError(
        'CORRUPT_FILE',
        `--images ${path} holds a non-finite value (${v}); expected values in [0, 1].`,
      );
    }
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (low < -1e-3 || high > 1 + 1e-3) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected --images ${path} to hold values in [0, 1], got [${low}, ${high}]. Rescale first: (x + 1) / 2 for tanh outputs, x / 255 for bytes.`,
    );
  }
  const size = imageShape.reduce((a, b) => a * b, 1);
  return {
    count: shape[0]!,
    imageShape,
    batch: (start, n) =>
      tf.tidy(() =>
        tf.clipByValue(
          tf.tensor4d(data.subarray(start * size, (start + n) * size), [
            n,
            ...(imageShape as [number, number, number]),
          ]),
          0,
          1,
        ),
      ),
  };
}

function joinRows(parts: Float32Array[], dim: number): tf.Tensor2D {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return tf.tensor2d(joined, [total / dim, dim]);
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      from: { type: 'string' },
      images: { type: 'string' },
      data: { type: 'string' },
      metrics: { type: 'string' },
      count: { type: 'string' },
      'real-count': { type: 'string' },
      'batch-size': { type: 'string' },
      splits: { type: 'string' },
      'kid-subsets': { type: 'string' },
      features: { type: 'string' },
      'features-range': { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(evalUsage);
    return;
  }
  if (!values.from === !values.images) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `gan eval needs either --from DIR (a folder written by gan train) or --images FILE.npy, not both.\n\n${evalUsage}`,
    );
  }
  const metrics = metricList(values.metrics);
  const images = values.images === undefined ? undefined : await loadImages(values.images);
  const count = images
    ? Math.min(integerFlag(values.count, 'count', images.count, 2), images.count)
    : integerFlag(values.count, 'count', 10000, 2);
  const batchSize = integerFlag(values['batch-size'], 'batch-size', 200);
  const splits = integerFlag(values.splits, 'splits', 10);
  const kidSubsets = integerFlag(values['kid-subsets'], 'kid-subsets', 100);
  const seed = integerFlag(values.seed, 'seed', 0, 0);
  const config = (
    images ? { info: { imageShape: images.imageShape } } : readRunConfig(values.from as string)
  ) as Partial<ReturnType<typeof readRunConfig>> & {
    info: ReturnType<typeof readRunConfig>['info'] & { imageShape: number[] };
    data?: { spec?: string };
  };
  const { info } = config;
  if (metrics.includes('is') && count < splits) {
    throw new GanError('INVALID_ARGUMENT', `The Inception Score needs --count ≥ --splits (${splits}), got ${count}.`);
  }
  const dataSpec = values.data ?? config.data?.spec;
  if (!dataSpec)
    throw new GanError(
      'INVALID_ARGUMENT',
      images
        ? 'gan eval --images needs --data: the real images to compare with.'
        : 'Pass --data: the run config does not say which data it trained on.',
    );

  const backend = await initBackend(backendFlag(values.backend));
  registerTrainingKernels();
  const setup = await featureSetup(values.features, info.imageShape, values['features-range'] ?? '0,1');
  if (metrics.includes('is') && !setup.hasProbabilities) {
    throw new GanError(
      'INVALID_ARGUMENT',
      'The Inception Score needs class probabilities, and the --features model has a single output. Leave "is" out of --metrics or pass a model whose second output is a softmax.',
    );
  }
  const data = await loadData(dataSpec, { range: [0, 1], seed, log: (line) => console.error(line) });
  const dataShape = [...data.shape];
  if (dataShape.join(',') !== info.imageShape.join(',')) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected real images of shape [${info.imageShape.join(', ')}] like ${images ? `--images ${values.images} holds` : 'the generator makes'}, got [${dataShape.join(', ')}] from --data ${dataSpec}.`,
    );
  }
  const realCount = Math.min(integerFlag(values['real-count'], 'real-count', count, 2), data.size);
  const keepFeatures = metrics.includes('kid') || metrics.includes('pr');

  const real = await collect(setup, realCount, batchSize, (start, size) => realBatch(data, start, size), keepFeatures);

  const random = createRandom(seed);
  const fake = images
    ? await collect(setup, count, batchSize, (start, size) => images.batch(start, size), keepFeatures)
    : await generatedFeatures(values.from as string, config as never, setup, count, batchSize, random, keepFeatures);

  const protocol = {
    featureNetwork: setup.description,
    generated: images
      ? `${count} images from ${values.images}`
      : `${count} images from ${join(values.from as string, 'generator')}, noise ${config.training?.noise ?? 'normal'} with seed ${seed}` +
        (info.conditional ? `, labels cycling through ${info.numClasses} classes` : ''),
    reference: `${realCount} real images of ${data.name} (${data.source}), first ${realCount}, scaled to [0, 1]`,
    backend: backend.name,
  };

  const results: Record<string, unknown> = {};
  const lines: string[] = [];
  if (metrics.includes('fid')) {
    const fid = frechetDistance(real.statistics.statistics(), fake.statistics.statistics());
    results.fid = fid;
    lines.push(
      `FID        ${fid.toFixed(3)}   (Fréchet distance of ${real.dim}-d features, ${count} generated vs ${realCount} real)`,
    );
  }
  if (keepFeatures) {
    const realFeatures = joinRows(real.features, real.dim);
    const fakeFeatures = joinRows(fake.features, fake.dim);
    if (metrics.includes('kid')) {
      const kid = await kernelInceptionDistance(realFeatures, fakeFeatures, { subsets: kidSubsets, seed });
      results.kid = kid;
      lines.push(
        `KID        ${kid.mean.toFixed(5)} ± ${kid.std.toFixed(5)}   (unbiased MMD², cubic kernel, ${kid.subsets} subsets of ${kid.subsetSize})`,
      );
    }
    if (metrics.includes('pr')) {
      const pr = await precisionRecall(realFeatures, fakeFeatures, { k: 3 });
      results.precision = pr.precision;
      results.recall = pr.recall;
      lines.push(
        `precision  ${pr.precision.toFixed(4)}   recall ${pr.recall.toFixed(4)}   (k-NN manifolds, k = ${pr.k})`,
      );
    }
    tf.dispose([realFeatures, fakeFeatures]);
  }
  if (metrics.includes('is')) {
    const probabilities = joinRows(fake.probabilities, fake.classes);
    const score = await inceptionScore(probabilities, { splits });
    probabilities.dispose();
    results.is = score;
    lines.push(
      `IS         ${score.mean.toFixed(3)} ± ${score.std.toFixed(3)}   (${score.splits} splits of the ${count} generated images; at most ${fake.classes})`,
    );
  }
  const path = images
    ? `${(values.images as string).replace(/\.npy$/i, '')}.eval.json`
    : join(values.from as string, 'eval.json');
  await writeJson(path, { metrics: results, protocol, createdAt: new Date().toISOString() });
  console.log(lines.join('\n'));
  console.log(`feature network: ${protocol.featureNetwork}`);
  console.log(`generated: ${protocol.generated}`);
  console.log(`reference: ${protocol.reference}`);
  console.log(`wrote ${path}`);
}
