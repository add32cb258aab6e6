import { GanError } from '@gan/core';
import { hingeLoss } from './hinge.js';
import { leastSquaresLoss } from './least-squares.js';
import { minimaxLoss } from './minimax.js';
import { nonSaturatingLoss } from './non-saturating.js';
import { relativisticAverageLoss, relativisticLoss } from './relativistic.js';
import type { GanLoss } from './types.js';
import { wassersteinLoss } from './wasserstein.js';

/** The names {@link getLoss} knows, in the order they are listed to users. */
export const lossNames = [
  'non-saturating',
  'minimax',
  'least-squares',
  'hinge',
  'wasserstein',
  'relativistic',
  'relativistic-average',
] as const;

/** One of {@link lossNames}. */
export type LossName = (typeof lossNames)[number];

const factories: Record<LossName, () => GanLoss> = {
  'non-saturating': () => nonSaturatingLoss(),
  minimax: () => minimaxLoss(),
  'least-squares': () => leastSquaresLoss(),
  hinge: () => hingeLoss(),
  wasserstein: () => wassersteinLoss(),
  relativistic: () => relativisticLoss(),
  'relativistic-average': () => relativisticAverageLoss(),
};

/** Whether `name` is one of {@link lossNames}. */
export function isLossName(name: string): name is LossName {
  return (lossNames as readonly string[]).includes(name);
}

/**
 * The loss registered under `name`, with default options. Throws a GanError `UNKNOWN_NAME` that lists the
 * known names for anything else.
 */
export function getLoss(name: string): GanLoss {
  if (!isLossName(name)) {
    throw new GanError('UNKNOWN_NAME', `Unknown loss "${name}". Known losses: ${lossNames.join(', ')}.`);
  }
  return factories[name]();
}
