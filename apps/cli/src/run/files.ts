import { join } from 'node:path';
import { writeFileAtomic } from '@gan/core/node';
import type { RawImage } from '@gan/data';
import { encodePng } from '@gan/data/node';
import type { Raster } from '../plot.js';

/** Writes a file atomically (a temp file in the same folder, then a rename): `@gan/core/node`'s. */
export { writeFileAtomic };

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a PNG of a raster (RGB unless it says otherwise) or of a `RawImage` such as `scatterPlot`'s. */
export async function writePng(path: string, image: (Raster & { channels?: number }) | RawImage): Promise<void> {
  const pixels = 'data' in image ? image.data : image.pixels;
  const png = await encodePng(pixels, image.width, image.height, (image.channels ?? 3) as 1 | 3 | 4);
  await writeFileAtomic(path, png);
}

/** The files of a run folder. */
export function runPaths(dir: string) {
  return {
    config: join(dir, 'config.json'),
    history: join(dir, 'history.json'),
    generator: join(dir, 'generator'),
    /** The moving average of the generator (`gan train --ema`). */
    generatorEma: join(dir, 'generator-ema'),
    discriminator: join(dir, 'discriminator'),
    lossPlot: join(dir, 'loss.png'),
    sample: (epoch: number) => join(dir, 'samples', `epoch_${String(epoch).padStart(3, '0')}.png`),
  };
}
