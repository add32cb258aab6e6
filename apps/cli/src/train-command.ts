import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { initBackend, registerTrainingKernels } from '@gan/backend';
import { createRandom, GanError } from '@gan/core';
import { backendFlag, fractionFlag } from './args.js';
import { loadData } from './datasets.js';
import { createFidEvaluator } from './features/fid.js';
import { createProgress } from './progress.js';
import type { BestSoFar } from './run/best-metric.js';
import { checkpointPaths, loadResumeCheckpoint } from './run/checkpoints.js';
import { readRunConfig } from './run/config.js';
import { runPaths, writeJson } from './run/files.js';
import { acquireRunLock } from './run/lock.js';
import { createRun, takesImageSize } from './train/create-run.js';
import { describePreset, flagHelp, parseArgsOptions, trainFlags } from './train/flags.js';
import { train } from './train/session.js';
import { storedTraining, trainSettings } from './train/settings.js';
import { defaultStallMinutes } from './train/watchdog.js';

export const trainUsage = `gan train [options]

Trains a GAN and writes generator/, discriminator/ (and generator-ema/ with --ema), config.json, history.json,
log.jsonl, loss.png, samples/, tensorboard/ (for tensorboard --logdir) and checkpoints/ (latest/, previous/,
best/) to --out. Ctrl-C saves a checkpoint and stops; --resume goes on. With neither --model nor --data it runs
the quick-start preset (no download, about 3 minutes on 2 cores): the conditional DCGAN of the PyTorch tutorial
at a quarter width and 32×32 on the built-in shapes, i.e. ${describePreset('quickstart')}
(other flags override it).

${flagHelp(trainFlags)}`;

export async function trainCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, strict: true, options: parseArgsOptions(trainFlags) });
  if (values.help) {
    console.log(trainUsage);
    return;
  }
  const resumeDir = values.resume as string | undefined;
  const resumed = resumeDir === undefined ? undefined : { dir: resumeDir, config: readRunConfig(resumeDir, 'resume') };
  const settings = trainSettings(values, resumed);
  const stallMinutes =
    fractionFlag(values['stall-minutes'] as string | undefined, 'stall-minutes', 0, 1e6) ?? defaultStallMinutes;
  const { out } = settings;
  if (settings.keepBestBy === 'fid' && settings.evalEvery === undefined) {
    throw new GanError(
      'INVALID_ARGUMENT',
      '--keep-best-by fid needs FID measurements: add --eval-every N (e.g. 1), or keep the best by another metric.',
    );
  }
  // One writer per run folder, held until this process exits.
  acquireRunLock(out, ['gan train', ...argv].join(' '), (line) => console.error(`note: ${line}`));
  const checkpoints = checkpointPaths(out);
  if (resumed === undefined && existsSync(checkpoints.root)) {
    if (!values.overwrite) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `${out} already holds a run with checkpoints. Continue it with --resume ${out}, start a new one with another --out, or pass --overwrite to replace it.`,
      );
    }
    await rm(checkpoints.root, { recursive: true, force: true });
  }
  const progress = createProgress(settings.epochs);

  const verbose = values.verbose === true;
  const backend = await initBackend({
    ...backendFlag(settings.backend),
    log: verbose ? (line) => progress.message(`backend: ${line}`) : undefined,
  });
  registerTrainingKernels();
  progress.message(`backend: ${verbose ? backend.reason : backend.summary}`);
  if (settings.preset !== undefined) {
    progress.message(`preset: ${settings.preset} (${describePreset(settings.preset, values)})`);
  }

  const data = await loadData(settings.dataSpec, {
    range: settings.rangeName === '0,1' ? [0, 1] : [-1, 1],
    imageSize: takesImageSize(settings) ? settings.imageSize : undefined,
    background: settings.background,
    limit: settings.limit,
    seed: settings.seed,
    log: (line) => progress.message(line),
  });
  progress.message(`data: ${data.name}, ${data.size} examples of [${data.shape.join(', ')}] from ${data.source}`);
  const fid =
    settings.evalEvery === undefined
      ? undefined
      : await createFidEvaluator({ data, count: settings.evalCount, noise: settings.noise, seed: settings.seed });

  const random = createRandom(settings.seed);
  const tensorBoardHistograms = values['tb-histograms'] === true;
  if (resumed === undefined) {
    const models = await createRun(settings, data, random, backend.name);
    await train(settings, {
      data,
      random,
      models,
      resume: undefined,
      best: undefined,
      progress,
      fid,
      tensorBoardHistograms,
      stallMinutes,
    });
    return;
  }
  const checkpoint = await loadResumeCheckpoint(out, (line) => progress.message(line));
  const resume = checkpoint.state;
  progress.message(
    `resuming ${out} at epoch ${resume.epoch}, step ${resume.stepInEpoch}/${resume.stepsPerEpoch} (step ${resume.globalStep} overall)`,
  );
  const { config } = resumed;
  await writeJson(runPaths(out).config, {
    ...config,
    training: { ...config.training, ...storedTraining(settings) },
    resumed: [
      ...(config.resumed ?? []),
      { at: new Date().toISOString(), fromStep: resume.globalStep, backend: backend.name },
    ],
  });
  const models = { generator: checkpoint.generator, discriminator: checkpoint.discriminator };
  const best = checkpoint.metadata?.best as BestSoFar | undefined;
  await train(settings, { data, random, models, resume, best, progress, fid, tensorBoardHistograms, stallMinutes });
}
