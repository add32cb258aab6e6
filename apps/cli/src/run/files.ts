import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodePng } from '@gan/data/node';
import type { Raster } from '../plot.js';

/** Writes a file atomically: a temp file in the same folder, then a rename, so a kill never leaves half a file. */
export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

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
