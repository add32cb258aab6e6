import { GanError } from '@gan/core';
import type { EpochRecord } from '@gan/train';
import type * as tfl from '@tensorflow/tfjs-layers';

/** What a metric may look at, after each epoch. */
export interface MetricContext {
  record: EpochRecord;
  generator: tfl.LayersModel;
  /** FID measured after this epoch (`gan train --eval-every`), when it was measured. */
  fid?: number;
}

/**
 * Metrics `--keep-best-by` can rank epochs by; lower is better for all. An entry may be async and use the
 * generator. `fid` is the FID that `--eval-every` measured after the epoch (NaN, so never best, in epochs
 * without a measurement).
 */
export const bestMetrics = {
  generatorLoss: ({ record }: MetricContext) => record.generatorLoss,
  discriminatorLoss: ({ record }: MetricContext) => record.discriminatorLoss,
  /** |D − G|: how far the two losses are from each other. */
  lossGap: ({ record }: MetricContext) => Math.abs(record.discriminatorLoss - record.generatorLoss),
  fid: ({ fid }: MetricContext) => fid ?? Number.NaN,
} satisfies Record<string, (context: MetricContext) => number | Promise<number>>;

export type BestMetricName = keyof typeof bestMetrics;
export const bestMetricNames = Object.keys(bestMetrics) as BestMetricName[];

/** The best value so far, as stored in a checkpoint's metadata. */
export interface BestSoFar {
  metric: BestMetricName;
  value: number;
  epoch: number;
}

/** Evaluates `metric` after an epoch; returns the new best when it improved on `best` (lower is better). */
export async function improvedBest(
  metric: BestMetricName,
  best: BestSoFar | undefined,
  context: MetricContext,
): Promise<BestSoFar | undefined> {
  const value = await bestMetrics[metric](context);
  if (!Number.isFinite(value)) return undefined;
  if (best !== undefined && best.metric === metric && !(value < best.value)) return undefined;
  return { metric, value, epoch: context.record.epoch };
}

export function checkBestMetric(name: string): BestMetricName {
  if (!(bestMetricNames as string[]).includes(name)) {
    throw new GanError(
      'UNKNOWN_NAME',
      `Unknown --keep-best-by "${name}". Expected one of: ${bestMetricNames.join(', ')} (lower is better).`,
    );
  }
  return name as BestMetricName;
}
