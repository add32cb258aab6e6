import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom, GanError } from '@gan/core';
import { loadNpy } from '@gan/data/node';
import { frechetDistance, inceptionScore, kernelInceptionDistance, precisionRecall } from '@gan/metrics';
import { loadModel } from '@gan/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { backendFlag, backgroundFlag, integerFlag } from './args.js';
import { loadData } from './datasets.js';
import { type Collected, collect } from './features/collect.js';
import { describeReference, generatedImages, generatedLabels, referenceImages } from './features/images.js';
import { type FeatureSetup, featureSetup } from './features/network.js';
import { type RunConfig, readRunConfig } from './run/config.js';
import { runPaths, writeJson } from './run/files.js';
import { generatorToRead } from './run/lock.js';

export const evalUsage = `gan eval --from DIR [options]
gan eval --images FILE.npy --data SPEC [options]

Measures a trained generator against real data and writes eval.json into DIR (or --out FILE).

  --from DIR          run folder written by gan train
  --images FILE.npy   measure these images instead of a run's generator: float32 (N, H, W, C) or (N, H, W)
                      in [0, 1], e.g. from gan sample --out x.npy or another library (a PyTorch run saved
                      with numpy.save after moving channels last); writes FILE.eval.json
  --data SPEC         real images: shapes, mnist, fashion-mnist, emoji or a folder (default: the run's
                      training data, over its --background, resized to the measured images' size)
  --metrics LIST      comma-separated: fid, kid, is, pr (precision/recall) (default fid,kid,is)
  --count N           generated images (default 10000)
  --real-count N      real images (default: as many as --count, at most the data set; the first N for
                      28×28×1, else N evenly spaced over the set)
  --batch-size N      images per forward pass (default 200)
  --splits N          Inception Score splits (default 10)
  --kid-subsets N     KID subsets (default 100; each of min(1000, count) samples)
  --features PATH     tfjs graph model (folder or model.json, e.g. Inception-v3 converted with
                      tensorflowjs_converter) instead of the built-in feature network; required for images
                      that are neither 28×28×1 nor 64×64×3
  --features-range R  value range the --features model expects: 0,1 or -1,1 (default 0,1)
  --seed N            seed for the noise and the KID subsets (default 0)
  --backend NAME      auto | tensorflow | webgpu | wasm | cpu (default auto)
  --out FILE          where to write the report (default DIR/eval.json, or FILE.eval.json for --images)
  --background COLOR  colour the real images' transparent pixels are composited over (image folders, emoji):
                      white, black, gray, #rrggbb or r,g,b (default: the run's --background, else white)
  --sample-mode M     the generator's batch normalisation: eval (its moving statistics) or train (each
                      batch's own, of --batch-size images, as PyTorch samples a model never put in eval()
                      mode, e.g. the DCGAN tutorial) (default eval)

28×28×1 runs are measured with the digit classifier shipped in @gan/metrics (64 penultimate features, softmax
for IS), 64×64×3 runs with its emoji classifier (128 penultimate features, softmax over the 9 emoji
categories for IS; trained on the emoji of --data emoji). Conditional 64×64×3 runs get labels in the
proportions of the real data. These numbers are comparable only with other numbers of the same protocol
(network, data, counts), not with published Inception-based FIDs.`;

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

/** Features of `count` images from the run's generator, from seeded noise as `gan sample` makes it. */
async function generatedFeatures(
  from: string,
  config: RunConfig,
  setup: FeatureSetup,
  count: number,
  batchSize: number,
  random: ReturnType<typeof createRandom>,
  labelOf: ((i: number) => number) | undefined,
  sampleMode: 'eval' | 'train',
  keepFeatures: boolean,
): Promise<Collected> {
  const generator = await loadModel(generatorToRead(from, runPaths(from).generator, (line) => console.error(line)));
  try {
    const makeBatch = generatedImages(generator, {
      noise: config.training?.noise ?? 'normal',
      range: config.info.outputRange ?? [-1, 1],
      random,
      labelOf,
      sampleMode,
    });
    return await collect(setup, count, batchSize, makeBatch, keepFeatures);
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
      out: { type: 'string' },
      background: { type: 'string' },
      'sample-mode': { type: 'string' },
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
  const sampleMode = values['sample-mode'] ?? 'eval';
  if (sampleMode !== 'eval' && sampleMode !== 'train') {
    throw new GanError('INVALID_ARGUMENT', `Expected --sample-mode eval or train, got "${sampleMode}".`);
  }
  if (images && values['sample-mode'] !== undefined) {
    throw new GanError('INVALID_ARGUMENT', "--sample-mode applies to a run's generator (--from), not to --images.");
  }
  const config = (
    images ? { info: { imageShape: images.imageShape } } : readRunConfig(values.from as string)
  ) as Partial<RunConfig> & { info: RunConfig['info'] };
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
  // Real images as the run saw them: resized to the measured images' side, over the run's background.
  const [height, width] = info.imageShape;
  const data = await loadData(dataSpec, {
    range: [0, 1],
    imageSize: height === width ? height : undefined,
    background: backgroundFlag(values.background) ?? config.data?.background,
    seed,
    log: (line) => console.error(line),
  });
  const dataShape = [...data.shape];
  if (dataShape.join(',') !== info.imageShape.join(',')) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected real images of shape [${info.imageShape.join(', ')}] like ${images ? `--images ${values.images} holds` : 'the generator makes'}, got [${dataShape.join(', ')}] from --data ${dataSpec}.`,
    );
  }
  const realCount = Math.min(integerFlag(values['real-count'], 'real-count', count, 2), data.size);
  const keepFeatures = metrics.includes('kid') || metrics.includes('pr');

  const real = await collect(
    setup,
    realCount,
    batchSize,
    referenceImages(data, setup.selection, realCount),
    keepFeatures,
  );

  const random = createRandom(seed);
  const labels = info.conditional ? generatedLabels(data, setup.selection, count, info.numClasses!) : undefined;
  const fake = images
    ? await collect(setup, count, batchSize, (start, size) => images.batch(start, size), keepFeatures)
    : await generatedFeatures(
        values.from as string,
        config as never,
        setup,
        count,
        batchSize,
        random,
        labels?.labelOf,
        sampleMode,
        keepFeatures,
      );

  const protocol = {
    featureNetwork: setup.description,
    network: setup.name,
    counts: { generated: count, real: realCount },
    generated: images
      ? `${count} images from ${values.images}`
      : `${count} images from ${join(values.from as string, 'generator')}, noise ${config.training?.noise ?? 'normal'} with seed ${seed}` +
        (labels ? `, ${labels.description}` : '') +
        (sampleMode === 'train'
          ? `, batch normalisation with the statistics of each batch of ${batchSize} (--sample-mode train)`
          : ''),
    reference: describeReference(data, setup.selection, realCount),
    backend: backend.name,
  };

  const results: Record<string, unknown> = {};
  const lines: string[] = [];
  if (metrics.includes('fid')) {
    const fid = frechetDistance(real.statistics.statistics(), fake.statistics.statistics());
    results.fid = fid;
    lines.push(
      `FID        ${fid.toFixed(3)}   (Fréchet distance of ${real.dim}-d ${setup.name} features, ${count} generated vs ${realCount} real)`,
    );
  }
  if (keepFeatures) {
    const realFeatures = joinRows(real.features, real.dim);
    const fakeFeatures = joinRows(fake.features, fake.dim);
    if (metrics.includes('kid')) {
      const kid = await kernelInceptionDistance(realFeatures, fakeFeatures, { subsets: kidSubsets, seed });
      results.kid = kid;
      lines.push(
        `KID        ${kid.mean.toFixed(5)} ± ${kid.std.toFixed(5)}   (unbiased MMD² of the ${real.dim}-d ${setup.name} features, cubic kernel, ${kid.subsets} subsets of ${kid.subsetSize})`,
      );
    }
    if (metrics.includes('pr')) {
      const pr = await precisionRecall(realFeatures, fakeFeatures, { k: 3 });
      results.precision = pr.precision;
      results.recall = pr.recall;
      lines.push(
        `precision  ${pr.precision.toFixed(4)}   recall ${pr.recall.toFixed(4)}   (k-NN manifolds of the ${setup.name} features, k = ${pr.k})`,
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
      `IS         ${score.mean.toFixed(3)} ± ${score.std.toFixed(3)}   (${setup.name} softmax, ${score.splits} splits of the ${count} generated images; at most ${fake.classes})`,
    );
  }
  const path =
    values.out ??
    (images
      ? `${(values.images as string).replace(/\.npy$/i, '')}.eval.json`
      : join(values.from as string, 'eval.json'));
  await writeJson(path, { metrics: results, protocol, createdAt: new Date().toISOString() });
  console.log(lines.join('\n'));
  console.log(`feature network: ${protocol.featureNetwork}`);
  console.log(`generated: ${protocol.generated}`);
  console.log(`reference: ${protocol.reference}`);
  console.log(`wrote ${path}`);
}
