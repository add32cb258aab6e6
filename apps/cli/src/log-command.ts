import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GanError } from '@gan/core';
import { readCheckpointManifest } from '@gan/train/node';
import { plotLosses } from './plot.js';
import { formatDuration } from './progress.js';
import { checkpointPaths } from './run/checkpoints.js';
import { writePng } from './run/files.js';
import { readRunLog, runLogPath, type StepLogEntry } from './run/log.js';

export const logUsage = `gan log DIR [options]

Summarises the run in DIR from its log.jsonl (steps, epochs, last and best losses, speed, checkpoints)
and draws the per-epoch mean losses into a plot.

  --plot FILE         where to write the loss plot (default DIR/loss.png)`;

/** What `gan log` reports, computed from the step log. */
export interface RunSummary {
  steps: number;
  epochs: number;
  /** Steps of the last epoch seen, and whether it is complete as far as the log knows. */
  last: StepLogEntry;
  bestDiscriminator: StepLogEntry;
  bestGenerator: StepLogEntry;
  /** Per-epoch means, in epoch order. */
  epochMeans: { epoch: number; discriminatorLoss: number; generatorLoss: number }[];
  /** Seconds spent in steps, summed. */
  seconds: number;
  /** Mean real examples per second over all steps. */
  imagesPerSecond: number;
}

export function summarise(entries: StepLogEntry[]): RunSummary {
  const last = entries[entries.length - 1]!;
  const lowest = (key: 'discriminatorLoss' | 'generatorLoss') =>
    entries.reduce((best, entry) => (entry[key] < best[key] ? entry : best), entries[0]!);
  const byEpoch = new Map<number, { d: number; g: number; count: number }>();
  let seconds = 0;
  let images = 0;
  for (const entry of entries) {
    const sums = byEpoch.get(entry.epoch) ?? { d: 0, g: 0, count: 0 };
    sums.d += entry.discriminatorLoss;
    sums.g += entry.generatorLoss;
    sums.count++;
    byEpoch.set(entry.epoch, sums);
    seconds += entry.seconds;
    images += entry.imagesPerSecond * entry.seconds;
  }
  const epochMeans = [...byEpoch.entries()]
    .sort(([a], [b]) => a - b)
    .map(([epoch, sums]) => ({ epoch, discriminatorLoss: sums.d / sums.count, generatorLoss: sums.g / sums.count }));
  return {
    steps: last.step,
    epochs: epochMeans.length,
    last,
    bestDiscriminator: lowest('discriminatorLoss'),
    bestGenerator: lowest('generatorLoss'),
    epochMeans,
    seconds,
    imagesPerSecond: seconds > 0 ? images / seconds : 0,
  };
}

async function describeCheckpoint(dir: string): Promise<string> {
  if (!existsSync(dir)) return 'none';
  try {
    const manifest = await readCheckpointManifest(dir);
    const best = manifest.metadata.best as { metric: string; value: number } | undefined;
    const bestText = best && dir.endsWith('best') ? `, ${best.metric} ${best.value.toFixed(4)}` : '';
    return `epoch ${manifest.epoch}, step ${manifest.stepInEpoch}/${manifest.stepsPerEpoch} (${manifest.globalStep} overall)${bestText}, ${manifest.createdAt}`;
  } catch (error) {
    return GanError.isInstance(error) ? `unreadable: ${error.message}` : String(error);
  }
}

export async function logCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { plot: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(logUsage);
    return;
  }
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    throw new GanError(
      'INVALID_ARGUMENT',
      `Expected one run folder: gan log DIR, got ${positionals.length} arguments.`,
    );
  }
  const path = runLogPath(dir);
  if (!existsSync(path)) {
    throw new GanError(
      'NOT_FOUND',
      `No log.jsonl in "${dir}". Pass the folder of a run written by \`gan train\` (its --out); runs write the log as they train.`,
    );
  }
  const entries = await readRunLog(path);
  if (entries.length === 0) {
    console.log(`${dir}: no steps logged yet.`);
    return;
  }
  const summary = summarise(entries);
  const { last, bestDiscriminator, bestGenerator } = summary;
  const checkpoints = checkpointPaths(dir);
  const plotPath = values.plot ?? join(dir, 'loss.png');
  await writePng(
    plotPath,
    plotLosses({
      discriminator: summary.epochMeans.map((m) => m.discriminatorLoss),
      generator: summary.epochMeans.map((m) => m.generatorLoss),
    }),
  );
  const lines = [
    `run: ${dir}`,
    `steps: ${summary.steps} in ${summary.epochs} epoch${summary.epochs === 1 ? '' : 's'} (last: epoch ${last.epoch}, step ${last.stepInEpoch})`,
    `last:  D ${last.discriminatorLoss.toFixed(4)}  G ${last.generatorLoss.toFixed(4)}  (step ${last.step})`,
    `best:  D ${bestDiscriminator.discriminatorLoss.toFixed(4)} (step ${bestDiscriminator.step})  G ${bestGenerator.generatorLoss.toFixed(4)} (step ${bestGenerator.step})`,
    `speed: ${summary.imagesPerSecond.toFixed(1)} img/s, ${(summary.seconds / entries.length).toFixed(3)} s/step, ${formatDuration(summary.seconds)} training`,
    'epoch means:',
    ...summary.epochMeans.map(
      (m) => `  ${String(m.epoch).padStart(4)}  D ${m.discriminatorLoss.toFixed(4)}  G ${m.generatorLoss.toFixed(4)}`,
    ),
    `checkpoint latest: ${await describeCheckpoint(checkpoints.latest)}`,
    `checkpoint best:   ${await describeCheckpoint(checkpoints.best)}`,
    `loss plot: ${plotPath}`,
  ];
  console.log(lines.join('\n'));
}
