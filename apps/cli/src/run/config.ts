import { existsSync, readFileSync } from 'node:fs';
import { GanError } from '@gan/core';
import type { ModelName } from '@gan/models';
import { readTrainRecipe, type TrainRecipe } from '@gan/train';
import type { BestMetricName } from './best-metric.js';
import { runPaths } from './files.js';

/** What `gan train` keeps beside the recipe in config.json's `training`: how the run is measured as it goes. */
export interface RunMeasures {
  /** Keep `checkpoints/best` by this metric (`--keep-best-by`). */
  keepBestBy?: BestMetricName;
  /** Measure FID every this many epochs (`--eval-every`). */
  evalEvery?: number;
  /** Images per FID measurement (`--eval-count`). */
  evalCount?: number;
}

/** A run's config.json, as `gan train` writes it and every command reads it. */
export interface RunConfig {
  model: ModelName;
  /** The model's configuration as `createGan` took it (its fields depend on the model). */
  modelConfig: {
    latentDim?: number;
    imageSize?: number;
    ngf?: number;
    ndf?: number;
    variant?: string;
    [key: string]: unknown;
  };
  /** The built models' description (`gan.info`). */
  info: {
    imageShape: number[];
    latentDim: number;
    conditional: boolean;
    numClasses?: number;
    outputRange?: [number, number];
    [key: string]: unknown;
  };
  data: {
    /** `--data` as given. */
    spec: string;
    range: [number, number];
    limit?: number;
    background?: [number, number, number];
    [key: string]: unknown;
  };
  /** The training recipe of `@gan/train`, verbatim, and the run's measures. */
  training: TrainRecipe & RunMeasures;
  /** The backend the run started on. */
  backend?: string;
  /** The named preset the run's defaults came from (`gan train` with neither --model nor --data). */
  preset?: string;
  createdAt?: string;
  /** One entry per `gan train --resume`. */
  resumed?: { at: string; fromStep: number; backend: string }[];
  [key: string]: unknown;
}

/**
 * What a command reads config.json for: `resume` (`gan train --resume`) needs the whole run config and reads
 * the training recipe of runs from before recipes had a version too; `generator` (`sample`, `eval`,
 * `interpolate`) needs the generator's description (`info`) only.
 */
export type RunConfigUse = 'resume' | 'generator';

const messages = {
  resume: {
    missing: (dir: string) =>
      `No config.json in "${dir}": --resume takes the folder of a run started with \`gan train\` (its --out).`,
    corrupt: (path: string, why: string) =>
      `${path} is not a valid gan run config (${why}). Start a new run instead of resuming.`,
  },
  generator: {
    missing: (dir: string) => `No config.json in "${dir}". Pass --from a folder written by "gan train".`,
    corrupt: (path: string, why: string) =>
      `"${path}" is not a valid gan run config (${why}). Train again or restore the file.`,
  },
} satisfies Record<RunConfigUse, unknown>;

/** Checks that `config` has what `use` needs; throws an Error saying what is missing. */
function checkFields(config: RunConfig, use: RunConfigUse): void {
  if (use === 'generator') {
    if (typeof config.info?.latentDim !== 'number') throw new Error('info.latentDim is missing');
  } else if (typeof config.model !== 'string' || typeof config.training?.batchSize !== 'number') {
    throw new Error('fields missing');
  }
}

/** Reads `DIR/config.json` of a run, with a clear error when it is missing or not a run config. */
export function readRunConfig(dir: string, use: RunConfigUse = 'generator'): RunConfig {
  const path = runPaths(dir).config;
  const say = messages[use];
  if (!existsSync(path)) throw new GanError('NOT_FOUND', say.missing(dir));
  let config: RunConfig;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as RunConfig;
    checkFields(config, use);
  } catch (cause) {
    throw new GanError('CORRUPT_FILE', say.corrupt(path, (cause as Error).message), { cause });
  }
  if (use === 'resume') config.training = readTrainRecipe(config.training);
  return config;
}
