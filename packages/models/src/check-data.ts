import { formatShape, GanError, shapeMatches } from '@gan/core';
import type { GanInfo } from './types.js';

const dcganSizes = [32, 64, 128];

function shapeHint(info: GanInfo, data: readonly (number | null)[]): string {
  const wanted = info.imageShape.join('×');
  if (info.imageShape.length !== 3) {
    return `Give the data examples of shape ${formatShape(info.imageShape)}, or build a generator whose output has the data's shape.`;
  }
  const channels = info.imageShape[2];
  if (data.length !== 4) {
    return data.length === 3 && channels === 1
      ? 'Add a channel axis: reshape the images to [n, height, width, 1].'
      : 'Images must be a 4-d tensor [n, height, width, channels] (channels last).';
  }
  const [, dataHeight, dataWidth, dataChannels] = data;
  const dataShape = `[${dataHeight}, ${dataWidth}, ${dataChannels}]`;
  switch (info.name) {
    case 'dcgan':
      return dataHeight !== null && dataHeight === dataWidth && dcganSizes.includes(dataHeight)
        ? `Build dcgan with { imageSize: ${dataHeight}, channels: ${dataChannels} }, or resize the images to ${wanted}.`
        : `dcgan takes square images of side 32, 64 or 128: resize the images to ${wanted} (or another of those sizes).`;
    case 'dcgan-mnist':
      return `dcgan-mnist takes 28×28×1 images: resize the images, or use mlp or cgan with { imageShape: ${dataShape} }.`;
    case 'mlp':
    case 'cgan':
      return `Build ${info.name} with { imageShape: ${dataShape} }, or resize the images to ${wanted}.`;
    default:
      return `Resize the images to ${wanted}, or build a generator whose output has the data's shape.`;
  }
}

function formatRange(range: readonly [number, number]): string {
  return `[${range.map((v) => Number(v.toPrecision(4))).join(', ')}]`;
}

function rangeHint(info: GanInfo, low: number, high: number): string {
  const [outLow] = info.outputRange ?? [0, 1];
  const looksLikeBytes = high > 1.5;
  const scale =
    outLow === -1 ? (looksLikeBytes ? 'x / 127.5 - 1' : '2 * x - 1') : looksLikeBytes ? 'x / 255' : '(x + 1) / 2';
  const target = outLow === -1 ? '[-1, 1]' : '[0, 1]';
  const other = outLow === -1 ? "'sigmoid'" : "'tanh'";
  const canSwitch = info.name === 'dcgan-mnist' || info.name === 'mlp' || info.name === 'cgan';
  const alternative =
    canSwitch && !looksLikeBytes && low >= -1 ? ` or build ${info.name} with { outputActivation: ${other} }` : '';
  return `Scale the images to ${target} (${scale})${alternative}.`;
}

/**
 * Checks that images of shape `dataShape` (`[n, height, width, channels]`) and, optionally, values in
 * `dataRange` (`[min, max]`) fit a GAN described by `info` (from `ganInfo`). Throws a GanError that says what was
 * expected, what was got and what to pass instead:
 *
 * - `SHAPE_MISMATCH`: `Expected images of shape [n, 28, 28, 1] for dcgan-mnist, got [64, 32, 32, 3]. …`
 * - `INVALID_ARGUMENT` when values fall outside the generator's output range (with a tolerance of 1e-3):
 *   `Expected pixel values in [-1, 1] for dcgan (the generator's output range), got [0, 255]. Scale the images …`
 *   Data inside the range (e.g. [0, 1] for a tanh generator) passes.
 */
export function checkDataShape(
  info: GanInfo,
  dataShape: readonly (number | null)[],
  dataRange?: readonly [number, number],
): void {
  const expected = [null, ...info.imageShape];
  if (!shapeMatches(dataShape, expected)) {
    throw new GanError(
      'SHAPE_MISMATCH',
      `Expected ${info.imageShape.length === 3 ? 'images' : 'examples'} of shape ${formatShape(expected)} for ${info.name}, ` +
        `got ${formatShape(dataShape)}. ` +
        shapeHint(info, dataShape),
    );
  }
  if (dataRange && info.outputRange) {
    const [low, high] = dataRange;
    const [outLow, outHigh] = info.outputRange;
    const tolerance = 1e-3;
    if (!(low >= outLow - tolerance && high <= outHigh + tolerance)) {
      throw new GanError(
        'INVALID_ARGUMENT',
        `Expected pixel values in ${formatRange(info.outputRange)} for ${info.name} (the generator's output range), ` +
          `got ${formatRange(dataRange)}. ${rangeHint(info, low, high)}`,
      );
    }
  }
}
