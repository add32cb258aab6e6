import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pngBytes, temporaryFolder } from '../testing/helpers.js';
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

  it('composites every kind of transparency over the background and resizes mixed sizes', async () => {
    const root = await temporaryFolder();
    // 2×2, left column opaque red, right column fully transparent (its colour must not show).
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 0, 255, 0, 0, 255, 0, 255, 0, 0]);
    await writeFile(join(root, 'a-rgba.png'), await encodePng(rgba, 2, 2, 4));
    // Gray + alpha, palette + tRNS, 16-bit RGB; 4×4, 1×1 and 2×2.
    await writeFile(
      join(root, 'b-gray-alpha.png'),
      pngBytes({ width: 4, height: 4, colorType: 4, bitDepth: 8, samples: new Array(16).fill([0, 0]).flat() }),
    );
    await writeFile(
      join(root, 'c-palette.png'),
      pngBytes({
        width: 1,
        height: 1,
        colorType: 3,
        bitDepth: 8,
        samples: [1],
        palette: [
          [0, 0, 0],
          [0, 255, 0],
        ],
        transparency: [0, 128],
      }),
    );
    await writeFile(
      join(root, 'd-16bit.png'),
      pngBytes({
        width: 2,
        height: 2,
        colorType: 2,
        bitDepth: 16,
        samples: new Array(4).fill([0, 0, 0, 0, 0xff, 0xff]).flat(),
      }),
    );
    const { encode } = await import('jpeg-js');
    const jpeg = encode({ width: 8, height: 8, data: new Uint8Array(256).fill(255) }, 95).data;
    await writeFile(join(root, 'e-white.jpg'), jpeg);
    const messages: string[] = [];
    const dataset = await imageFolder(root, { log: (m) => messages.push(m) });
    expect(dataset.shape).toEqual([2, 2, 3]);
    expect(dataset.size).toBe(5);
    const pixels = (i: number) => Array.from((dataset.x as Uint8Array).subarray(i * 12, i * 12 + 12));
    expect(pixels(0)).toEqual([255, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255, 255]); // transparent → white
    expect(pixels(1)).toEqual(new Array(12).fill(255)); // transparent black gray+alpha → white
    expect(pixels(2)).toEqual(new Array(4).fill([127, 255, 127]).flat()); // half-transparent green, enlarged
    expect(pixels(3)).toEqual(new Array(4).fill([0, 0, 255]).flat());
    expect(Math.min(...pixels(4))).toBeGreaterThan(250);
    expect(messages).toContain(
      'Resized 3 of 5 images to 2×2 (area averaging when shrinking, bilinear when enlarging).',
    );
    const blue = await imageFolder(root, { background: [0, 0, 255] });
    expect(Array.from((blue.x as Uint8Array).subarray(0, 6))).toEqual([255, 0, 0, 0, 0, 255]);
    const keep = await imageFolder(root, { channels: 4 });
    expect(Array.from((keep.x as Uint8Array).subarray(0, 8))).toEqual([255, 0, 0, 255, 0, 255, 0, 0]); // alpha kept
    await expect(imageFolder(root, { background: [0, 0, 300] })).rejects.toThrow(/three integers 0–255/);
  });

  it('keeps one channel for a gray folder with transparency over a gray background', async () => {
    const root = await temporaryFolder();
    await writeFile(
      join(root, 'g.png'),
      pngBytes({ width: 2, height: 1, colorType: 4, bitDepth: 8, samples: [0, 255, 0, 0] }),
    );
    const white = await imageFolder(root);
    expect(white.shape).toEqual([1, 2, 1]);
    expect(Array.from(white.x as Uint8Array)).toEqual([0, 255]);
    const red = await imageFolder(root, { background: [255, 0, 0] });
    expect(red.shape).toEqual([1, 2, 3]);
    expect(Array.from(red.x as Uint8Array)).toEqual([0, 0, 0, 255, 0, 0]);
  });

  it('skips files that do not decode, naming them in one warning', async () => {
    const root = await temporaryFolder();
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    await writePng(join(root, 'a', 'good.png'), 2, 2, 1, [1]);
    await writePng(join(root, 'b', 'good.png'), 2, 2, 1, [2]);
    const png = await encodePng(new Uint8Array(16), 4, 4, 1);
    await writeFile(join(root, 'a', 'cut.png'), png.subarray(0, 40));
    await writeFile(join(root, 'a', 'gif.png'), 'GIF89a......');
    await writeFile(join(root, 'b', 'bad.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const messages: string[] = [];
    const dataset = await imageFolder(root, { log: (m) => messages.push(m) });
    expect(dataset.size).toBe(2);
    expect(Array.from(dataset.labels as Int32Array)).toEqual([0, 1]);
    const warnings = messages.filter((m) => m.startsWith('Skipped'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Skipped 3 of 5 files that could not be decoded: a\/cut\.png \(truncated PNG \(the data ends early\)\), a\/gif\.png \(a GIF image, not PNG or JPEG\), b\/bad\.jpg \(undecodable JPEG \(.+\)\)\.$/,
    );
    expect(dataset.source).toMatch(/2 images in .*\(3 undecodable files skipped\)/);
  });

  it('caps the list of skipped files and fails clearly when nothing decodes', async () => {
    const root = await temporaryFolder();
    for (let i = 0; i < 12; i++) await writeFile(join(root, `${String(i).padStart(2, '0')}.png`), 'not a png');
    const error = await imageFolder(root).catch((e) => e);
    expect(error.code).toBe('CORRUPT_FILE');
    expect(error.message).toMatch(/^None of the 12 image files in .* could be decoded: 00\.png \(bytes starting/);
    expect(error.message).toContain('09.png (bytes starting 6e 6f 74 20, not PNG or JPEG) and 2 more.');
    expect(error.message).toContain(
      'Expected PNG or JPEG images; convert or replace these files, or pass another folder.',
    );
  });

  it('names the folder without images, and the missing folder', async () => {
    const empty = await temporaryFolder();
    await writeFile(join(empty, 'notes.txt'), 'no images here');
    await expect(imageFolder(empty)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(empty),
    });
    await expect(imageFolder(join(empty, 'missing'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Image folder not found: ${join(empty, 'missing')}.`,
    });
  });
});
