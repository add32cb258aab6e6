import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '../../test/helpers.js';
import { encodePng } from './image-codec.js';
import { imageFolder } from './image-folder.js';

async function writePng(
  path: string,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  fill: number[],
): Promise<void> {
  const pixels = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) pixels.set(fill, p * channels);
  await writeFile(path, await encodePng(pixels, width, height, channels));
}

describe('imageFolder', () => {
  it('labels images by their sorted subfolders, resizes them and keeps one channel when all are gray', async () => {
    const root = await temporaryFolder();
    await mkdir(join(root, 'dogs'));
    await mkdir(join(root, 'cats'));
    await writePng(join(root, 'cats', 'b.png'), 4, 4, 1, [20]);
    await writePng(join(root, 'cats', 'a.png'), 4, 4, 1, [10]);
    await writePng(join(root, 'dogs', 'x.png'), 8, 8, 3, [200, 200, 200]); // gray content stored as RGB
    await writeFile(join(root, 'dogs', 'notes.txt'), 'not an image');
    await writePng(join(root, 'ignored.png'), 4, 4, 1, [255]);
    const messages: string[] = [];
    const dataset = await imageFolder(root, { log: (m) => messages.push(m) });
    expect(dataset.size).toBe(3);
    expect(dataset.shape).toEqual([4, 4, 1]);
    expect(dataset.classNames).toEqual(['cats', 'dogs']);
    expect(dataset.numClasses).toBe(2);
    expect(Array.from(dataset.labels as Int32Array)).toEqual([0, 0, 1]);
    const x = dataset.x as Uint8Array;
    expect([x[0], x[16], x[32], x[47]]).toEqual([10, 20, 200, 200]);
    expect(dataset.source).toMatch(/3 images in .*2 classes: cats, dogs/);
    expect(messages.join('\n')).toMatch(/Ignoring 1 images directly in/);
  });

  it('converts to RGB when an image has colour, and honours size, channels and range', async () => {
    const root = await temporaryFolder();
    await writePng(join(root, '1.png'), 6, 6, 1, [100]);
    await writePng(join(root, '2.png'), 3, 3, 4, [255, 0, 0, 255]);
    const colour = await imageFolder(root);
    expect(colour.shape).toEqual([6, 6, 3]);
    expect(colour.labels).toBeUndefined();
    expect(Array.from((colour.x as Uint8Array).subarray(108, 111))).toEqual([255, 0, 0]);
    expect(Array.from((colour.x as Uint8Array).subarray(0, 3))).toEqual([100, 100, 100]);
    const small = await imageFolder(root, { size: [2, 3], channels: 1, range: [-1, 1] });
    expect(small.shape).toEqual([2, 3, 1]);
    expect(small.range).toEqual([-1, 1]);
    expect((small.x as Uint8Array)[6]).toBe(76); // red → luma 0.299 · 255
  });

  it('names the file that cannot be read, and the folder without images', async () => {
    const root = await temporaryFolder();
    await writePng(join(root, 'good.png'), 2, 2, 1, [1]);
    await writeFile(join(root, 'bad.jpg'), new Uint8Array([1, 2, 3, 4]));
    await expect(imageFolder(root)).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringMatching(/bad\.jpg to be a PNG or JPEG image/),
    });
    const empty = await temporaryFolder();
    await expect(imageFolder(empty)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(empty),
    });
    await expect(imageFolder(join(empty, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
