import { join } from 'node:path';
import { writeFileAtomic } from '@gan/core/node';
import { encodePng } from '@gan/data/node';
import type { Raster } from '../plot.js';

/** Writes a file atomically (a temp file in the same folder, then a rename): `@gan/core/node`'s. */
export { writeFileAtomic };

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function writePng(path: string, raster: Raster & { channels?: number }): Promise<void> {
  const png = await encodePng(raster.pixels, raster.width, raster.height, (raster.channels ?? 3) as 1 | 3 | 4);
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
