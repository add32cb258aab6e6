import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '@gan/data/node';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { builtInData, loadData } from './datasets.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gan-cli-data-'));
  onTestFinished(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

/** A 2×2 PNG: left column opaque `rgb`, right column transparent. */
function halfTransparent(rgb: [number, number, number]): Promise<Uint8Array> {
  const pixels = new Uint8Array([...rgb, 255, 0, 0, 0, 0, ...rgb, 255, 0, 0, 0, 0]);
  return encodePng(pixels, 2, 2, 4);
}

const log = () => {};

describe('loadData', () => {
  it('loads --data emoji from the cache, resized to --image-size, over the background', async () => {
    // An extracted emoji-datasource-google in the user cache, so nothing is downloaded.
    const cache = await temporaryFolder();
    vi.stubEnv('XDG_CACHE_HOME', cache);
    const folder = join(cache, 'gan', 'emoji', 'emoji-datasource-google-16.0.0');
    await mkdir(join(folder, 'img', 'google', '64'), { recursive: true });
    const entries = Array.from({ length: 50 }, (_, i) => ({ image: `${i}.png`, category: 'Smileys & Emotion' }));
    entries.push({ image: 'tone.png', category: 'Component' });
    await writeFile(join(folder, 'emoji.json'), JSON.stringify(entries));
    for (const { image } of entries) {
      await writeFile(join(folder, 'img', 'google', '64', image), await halfTransparent([255, 0, 0]));
    }
    expect(builtInData).toContain('emoji');
    const dataset = await loadData('emoji', { range: [-1, 1], imageSize: 2, seed: 0, log, limit: 10 });
    expect(dataset.name).toBe('emoji');
    expect(dataset.size).toBe(10);
    expect(dataset.shape).toEqual([2, 2, 3]);
    expect(dataset.classNames).toEqual(['Smileys & Emotion']);
    expect(dataset.range).toEqual([-1, 1]);
    expect(Array.from(dataset.x.subarray(0, 6))).toEqual([255, 0, 0, 255, 255, 255]);
    const blue = await loadData('emoji', { range: [0, 1], imageSize: 2, background: [0, 0, 255], seed: 0, log });
    expect(blue.size).toBe(50);
    expect(Array.from(blue.x.subarray(0, 6))).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('passes the background to image folders and names emoji among the built-in sets', async () => {
    const folder = await temporaryFolder();
    await writeFile(join(folder, 'a.png'), await halfTransparent([0, 255, 0]));
    const dataset = await loadData(folder, { range: [0, 1], background: [0, 0, 0], seed: 0, log });
    expect(Array.from(dataset.x)).toEqual([0, 255, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0]);
    await expect(loadData(join(folder, 'missing'), { range: [0, 1], seed: 0, log })).rejects.toThrow(
      /neither a built-in data set \(shapes, ring, mnist, fashion-mnist, emoji\)/,
    );
  });
});
