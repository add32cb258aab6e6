import { GanError } from '@gan/core';
import { type AugmentPolicy, augmentPolicies } from '@gan/train';

/** Gradient penalties `--penalty` accepts. */
export const penaltyKinds = ['gp', 'r1', 'r2'] as const;
export type PenaltyFlagKind = (typeof penaltyKinds)[number];

/** What `--penalty` selects: the kind and its weight. */
export interface PenaltySetting {
  kind: PenaltyFlagKind;
  weight: number;
}

/** Reads `--penalty gp|r1|r2[:weight]`; the weight defaults to `10`. */
export function penaltyFlag(value: string | undefined): PenaltySetting | undefined {
  if (value === undefined) return undefined;
  const [kind, weightText, ...rest] = value.split(':');
  const weight = weightText === undefined ? 10 : Number(weightText);
  if (
    !(penaltyKinds as readonly string[]).includes(kind!) ||
    rest.length > 0 ||
    !(Number.isFinite(weight) && weight > 0)
  ) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected --penalty ${penaltyKinds.join(' | ')}, optionally with a positive weight (e.g. r1:5), got "${value}".`,
    );
  }
  return { kind: kind as PenaltyFlagKind, weight };
}

/** Reads `--augment translation,cutout,color` (any of them, comma-separated). */
export function augmentFlag(value: string | undefined): AugmentPolicy[] | undefined {
  if (value === undefined) return undefined;
  const policies = value.split(',').map((part) => part.trim());
  for (const policy of policies) {
    if (!(augmentPolicies as readonly string[]).includes(policy)) {
      throw new GanError(
        'UNKNOWN_NAME',
        `Unknown --augment policy "${policy}". Expected a comma-separated list of: ${augmentPolicies.join(', ')}.`,
      );
    }
  }
  return [...new Set(policies)] as AugmentPolicy[];
}
