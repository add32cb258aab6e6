import { resolve } from 'node:path';
import { GanError } from '@gan/core';
import { type TrainRecipe, trainRecipeVersion } from '@gan/train';
import type { RunConfig } from '../run/config.js';
import { changeableFlags, type PresetName, presets, type TrainFlag, type TrainSettings, trainFlags } from './flags.js';

/** The flags of `gan train`, as `parseArgs` returns them. */
export type TrainFlags = Partial<Record<string, string | boolean>>;

/** The run `--resume` continues. */
export interface ResumedRun {
  dir: string;
  config: RunConfig;
}

const defaultOf = (flag: TrainFlag, settings: Partial<TrainSettings>): unknown =>
  typeof flag.default === 'function' ? flag.default(settings) : flag.default;

/** The values config.json holds for the flags, by flag name (`undefined` where it holds none). */
function recordedValues({ dir, config }: ResumedRun): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const flag of trainFlags) {
    if (flag.stored === undefined) continue;
    values[flag.name] =
      typeof flag.stored === 'function'
        ? flag.stored(config, dir)
        : (config.training as unknown as Record<string, unknown>)[flag.key!];
  }
  return values;
}

/**
 * The settings of a run: each flag given, else the value of the preset (a new run) or the one config.json
 * holds (a resumed run), else the flag's default. A resumed run keeps its preset; a new one with neither
 * --model nor --data takes `quickstart`.
 */
export function trainSettings(flags: TrainFlags, resumed?: ResumedRun): TrainSettings {
  const preset = resumed
    ? (resumed.config.preset as PresetName | undefined)
    : flags.model === undefined && flags.data === undefined
      ? 'quickstart'
      : undefined;
  const given: Record<string, unknown> = resumed ? recordedValues(resumed) : preset ? presets[preset] : {};
  const settings: Partial<TrainSettings> = { preset };
  for (const flag of trainFlags) {
    if (flag.key === undefined) continue;
    const text = flags[flag.name];
    const value =
      typeof text === 'string'
        ? flag.read!(text, flag.name, settings)
        : (given[flag.name] ?? defaultOf(flag, settings));
    Object.assign(settings, { [flag.key]: value });
    flag.check?.(settings);
  }
  if (resumed) checkResumedFlags(flags, settings as TrainSettings, resumed);
  return settings as TrainSettings;
}

/**
 * A resumed run keeps its settings: a flag that may change (see `changeableFlags`) may be given, any other
 * must repeat the value of the run (or, where config.json holds none, the default).
 */
function checkResumedFlags(flags: TrainFlags, settings: TrainSettings, resumed: ResumedRun): void {
  const { dir } = resumed;
  const recorded = recordedValues(resumed);
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const flag = trainFlags.find((entry) => entry.name === name)!;
    if (flag.resume === 'folder') {
      if (resolve(String(value)) === resolve(dir)) continue;
      throw new GanError(
        'INVALID_ARGUMENT',
        `--out ${String(value)} conflicts with --resume ${dir}: a resumed run stays in its folder. Drop --out.`,
      );
    }
    if (flag.resume === 'refuse') {
      throw new GanError('INVALID_ARGUMENT', `--${name} cannot be used with --resume. Drop it.`);
    }
    if ((flag.resume ?? 'keep') !== 'keep') continue;
    const runs = recorded[name] ?? defaultOf(flag, settings);
    if (JSON.stringify(settings[flag.key!]) !== JSON.stringify(runs)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `--${name} ${String(value)} conflicts with the run in ${dir}, which was started with ${JSON.stringify(runs ?? 'the default')} (config.json). ` +
          `A resumed run keeps its settings; only ${changeableFlags()} may change. Drop --${name}, or start a new run with another --out.`,
      );
    }
  }
}

/** The settings a flag stores in config.json's `training` as `where` says. */
function storedIn(settings: TrainSettings, where: 'recipe' | 'measures'): Record<string, unknown> {
  return Object.fromEntries(
    trainFlags.filter((flag) => flag.stored === where).map((flag) => [flag.key!, settings[flag.key!]]),
  );
}

/** The training recipe of the settings (what `trainGanConfig` of @gan/train takes). */
export function trainRecipe(settings: TrainSettings): TrainRecipe {
  return { version: trainRecipeVersion, ...storedIn(settings, 'recipe') } as TrainRecipe;
}

/** config.json's `training`: the recipe, verbatim, and the run's measures beside it. */
export function storedTraining(settings: TrainSettings): RunConfig['training'] {
  return { ...trainRecipe(settings), ...storedIn(settings, 'measures') };
}
