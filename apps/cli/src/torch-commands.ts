import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '@gan/backend';
import { GanError } from '@gan/core';
import { writeFolderAtomic } from '@gan/core/node';
import {
  createGan,
  exportTorchCheckpoint,
  exportTorchWeights,
  ganInfo,
  importTorchWeights,
  type ModelName,
  modelNames,
  torchModuleSource,
} from '@gan/models';
import { loadModel, saveModel } from '@gan/models/node';
import { backendFlag, integerFlag } from './args.js';
import { type RunConfig, readRunConfig } from './run/config.js';
import { runPaths, writeFileAtomic } from './run/files.js';

export const importUsage = `gan import --model NAME --from FILE --out DIR [options]

Makes a run folder from PyTorch weights: FILE is a state_dict saved by torch.save(module.state_dict(), path) (the
zip format; read by our own restricted reader, which never runs anything from the file) or a safetensors file.
Parameters map onto the @gan model by order and shape, whatever they are called (the DCGAN tutorial's main.0.weight,
the MNIST DCGAN's fc.0.weight, …), with the layouts converted. gan sample, eval, interpolate, the playground and
loadModel use the folder as one that gan train wrote.

  --model NAME        dcgan | dcgan-mnist | mlp | cgan (the networks of the PyTorch material)
  --from FILE         the generator's weights (.pt / .pth / .safetensors) (required)
  --key K             the entry of a checkpoint dict that holds them, e.g. netG (or generator)
  --discriminator FILE  the discriminator's weights too (default: a freshly initialised discriminator)
  --discriminator-key K  its entry in a checkpoint dict (e.g. netD)
  --out DIR           the run folder to write (required; nothing is written there unless the import succeeds)
  --overwrite         replace an existing --out folder
  model options, as in gan train: --latent-dim N, --image-size 32|64|128, --channels N, --ngf N, --ndf N,
  --variant mlp|dcgan|tutorial, --num-classes N, --range 0,1|-1,1, --noise normal|uniform (what gan sample draws;
  default uniform for dcgan-mnist, normal otherwise), --data NAME (the data gan eval compares with; default mnist for
  28×28×1 and emoji for 64×64×3 models)`;

export const exportUsage = `gan export --from DIR --out FILE [options]

Writes the generator of a run folder as PyTorch weights, and model.py beside FILE: the PyTorch nn.Module of the model
with the same parameter order (Generator, Discriminator, load_generator(path)).

  --from DIR          run folder (gan train or gan import) (required)
  --out FILE          .pt (torch.load + load_state_dict) or .safetensors (required)
  --format F          pytorch | safetensors (default: from FILE's extension)
  --discriminator     also the discriminator: FILE holds {'generator': …, 'discriminator': …}
                      (safetensors: names prefixed generator. / discriminator.)
  --ema               export the generator's moving average (generator-ema/)`;

const torchModels = ['dcgan', 'dcgan-mnist', 'mlp', 'cgan'] as const;

function readFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new GanError('NOT_FOUND', `${what} "${path}" does not exist.`);
  return new Uint8Array(readFileSync(path));
}

/** The createGan options from the model flags (unset flags leave the builder's defaults). */
function modelOptions(model: ModelName, values: Record<string, string | boolean | undefined>) {
  const int = (flag: string) => (values[flag] === undefined ? undefined : integerFlag(values[flag] as string, flag, 0));
  const range = values.range as string | undefined;
  if (range !== undefined && range !== '0,1' && range !== '-1,1') {
    throw new GanError('INVALID_ARGUMENT', `--range must be 0,1 or -1,1, got "${range}".`);
  }
  const options: Record<string, unknown> = {
    latentDim: int('latent-dim'),
    imageSize: int('image-size'),
    channels: int('channels'),
    ngf: int('ngf'),
    ndf: int('ndf'),
    variant: values.variant,
    numClasses: int('num-classes'),
    outputActivation: range === undefined ? undefined : range === '0,1' ? 'sigmoid' : 'tanh',
  };
  const allowed: Record<(typeof torchModels)[number], string[]> = {
    dcgan: ['latentDim', 'imageSize', 'channels', 'ngf', 'ndf'],
    'dcgan-mnist': ['latentDim', 'outputActivation'],
    mlp: ['latentDim', 'outputActivation'],
    cgan:
      values.variant === 'tutorial'
        ? ['variant', 'numClasses', 'latentDim', 'imageSize', 'channels', 'ngf', 'ndf']
        : ['variant', 'numClasses', 'latentDim', 'outputActivation'],
  };
  const kept = allowed[model as (typeof torchModels)[number]];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) delete options[key];
    else if (!kept.includes(key)) {
      const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace('output-activation', 'range');
      throw new GanError(
        'INVALID_ARGUMENT',
        `--${flag} does not apply to --model ${model}${model === 'cgan' ? ` --variant ${values.variant ?? 'mlp'}` : ''}.`,
      );
    }
  }
  return options;
}

export async function importCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      from: { type: 'string' },
      key: { type: 'string' },
      discriminator: { type: 'string' },
      'discriminator-key': { type: 'string' },
      out: { type: 'string' },
      overwrite: { type: 'boolean' },
      'latent-dim': { type: 'string' },
      'image-size': { type: 'string' },
      channels: { type: 'string' },
      ngf: { type: 'string' },
      ndf: { type: 'string' },
      variant: { type: 'string' },
      'num-classes': { type: 'string' },
      range: { type: 'string' },
      noise: { type: 'string' },
      data: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(importUsage);
    return;
  }
  if (!values.model || !values.from || !values.out) {
    throw new GanError('INVALID_ARGUMENT', `gan import needs --model, --from and --out.\n\n${importUsage}`);
  }
  const model = values.model as ModelName;
  if (!(torchModels as readonly string[]).includes(model)) {
    const known = (modelNames as readonly string[]).includes(model)
      ? ` (${model} has no PyTorch counterpart in the material)`
      : '';
    throw new GanError('UNKNOWN_NAME', `--model must be one of ${torchModels.join(', ')}, got "${model}"${known}.`);
  }
  if (values.noise !== undefined && values.noise !== 'normal' && values.noise !== 'uniform') {
    throw new GanError('INVALID_ARGUMENT', `--noise must be normal or uniform, got "${values.noise}".`);
  }
  const out = values.out;
  if (existsSync(out) && !values.overwrite) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `--out "${out}" exists. Choose another folder, or add --overwrite to replace it.`,
    );
  }
  const options = modelOptions(model, values);
  const generatorBytes = readFile(values.from, '--from');
  const discriminatorBytes = values.discriminator ? readFile(values.discriminator, '--discriminator') : undefined;

  await initBackend(backendFlag(values.backend ?? 'cpu'));
  let gan: ReturnType<typeof createGan>;
  try {
    gan = createGan(model, options as never);
  } catch (error) {
    if (GanError.isInstance(error))
      throw new GanError(error.code, `${error.message} (from the model flags of gan import)`);
    throw error;
  }
  const report = importTorchWeights(gan.generator, generatorBytes, {
    key: values.key,
    what: `--from "${values.from}"`,
  });
  const discriminatorReport = discriminatorBytes
    ? importTorchWeights(gan.discriminator, discriminatorBytes, {
        key: values['discriminator-key'],
        what: `--discriminator "${values.discriminator}"`,
      })
    : undefined;

  const info = ganInfo(gan);
  const [height, width, channels] = info.imageShape;
  const data =
    values.data ??
    (height === 28 && width === 28 && channels === 1 ? 'mnist' : height === 64 && channels === 3 ? 'emoji' : undefined);
  const config = {
    model,
    modelConfig: { ...options, latentDim: info.latentDim },
    info,
    data: { spec: data, range: info.outputRange ?? [0, 1], shape: info.imageShape },
    training: {
      version: 1,
      noise: (values.noise ?? (model === 'dcgan-mnist' ? 'uniform' : 'normal')) as 'normal' | 'uniform',
    },
    imported: {
      generator: { file: resolve(values.from), key: values.key, format: report.format, parameters: report.names },
      discriminator: discriminatorReport
        ? { file: resolve(values.discriminator!), key: values['discriminator-key'], format: discriminatorReport.format }
        : 'freshly initialised (no --discriminator given)',
    },
    createdAt: new Date().toISOString(),
  };
  // Written into a folder beside --out that takes its place at the end: a failed import leaves --out as it was.
  await writeFolderAtomic(out, async (staging) => {
    const paths = runPaths(staging);
    await saveModel(gan.generator, paths.generator);
    await saveModel(gan.discriminator, paths.discriminator);
    await writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  });
  console.log(
    `imported ${report.parameters} parameters of the generator (${report.format}${values.key ? `, key ${values.key}` : ''})` +
      `${discriminatorReport ? ` and ${discriminatorReport.parameters} of the discriminator` : ''} into ${out}/ ` +
      `(${model}, z of ${info.latentDim}, images ${info.imageShape.join('×')}). Sample it: gan sample --from ${out}`,
  );
}

export async function exportCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      from: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      discriminator: { type: 'boolean' },
      ema: { type: 'boolean' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(exportUsage);
    return;
  }
  if (!values.from || !values.out)
    throw new GanError('INVALID_ARGUMENT', `gan export needs --from and --out.\n\n${exportUsage}`);
  const extension = extname(values.out).toLowerCase();
  const format = values.format ?? (extension === '.safetensors' ? 'safetensors' : 'pytorch');
  if (format !== 'pytorch' && format !== 'safetensors') {
    throw new GanError('INVALID_ARGUMENT', `--format must be pytorch or safetensors, got "${format}".`);
  }
  const config: RunConfig = readRunConfig(values.from);
  const paths = runPaths(values.from);
  const generatorPath = values.ema ? paths.generatorEma : paths.generator;
  if (!existsSync(generatorPath)) {
    throw new GanError(
      'NOT_FOUND',
      `No ${basename(generatorPath)}/ in "${values.from}"${values.ema ? ' (the run keeps no moving average: drop --ema)' : ''}.`,
    );
  }
  await initBackend(backendFlag(values.backend ?? 'cpu'));
  const generator = await loadModel(generatorPath);
  const discriminator = values.discriminator ? await loadModel(paths.discriminator) : undefined;
  const bytes = discriminator
    ? exportTorchCheckpoint({ generator, discriminator }, format)
    : exportTorchWeights(generator, format);
  const title = `${config.model} (${Object.entries(config.modelConfig)
    .filter(([key]) => key !== 'seed')
    .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
    .join(', ')})`;
  const source = torchModuleSource(
    { generator, discriminator: discriminator ?? (await loadModel(paths.discriminator)) },
    title,
  );
  await mkdir(dirname(resolve(values.out)), { recursive: true });
  await writeFileAtomic(values.out, bytes);
  const modulePath = join(dirname(resolve(values.out)), 'model.py');
  await writeFileAtomic(modulePath, source);
  console.log(
    `wrote ${values.out} (${format}: the ${discriminator ? 'generator and discriminator' : 'generator'}, ${(bytes.length / 1e6).toFixed(2)} MB) ` +
      `and ${modulePath}. In PyTorch: from model import load_generator; G = load_generator('${basename(values.out)}')`,
  );
}
