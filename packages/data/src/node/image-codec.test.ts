import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from './image-codec.js';

const GRAY_JPEG =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAIAAgBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAABf/EABwQAAAGAwAAAAAAAAAAAAAAAAAHCiQ2QlVhc//aAAgBAQAAPwA9NwW0Cb42vLQ//9k=';

describe('encodePng / decodeImage', () => {
  it('round-trips gray, RGB and RGBA pixels', async () => {
    const width = 5;
    const height = 3;
    for (const channels of [1, 3, 4] as const) {
      const pixels = new Uint8Array(width * height * channels).map((_, i) => (i * 37 + 11) % 256);
      const png = await encodePng(pixels, width, height, channels);
      expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(png[25]).toBe({ 1: 0, 3: 2, 4: 6 }[channels]); // IHDR colour type
      const image = await decodeImage(png);
      expect(image).toMatchObject({ width, height, channels });
      expect(Array.from(image.data)).toEqual(Array.from(pixels));
    }
  });

  it('decodes a JPEG: gray stays one channel, colour is RGB', async () => {
    const { encode } = await import('jpeg-js');
    const width = 8;
    const height = 8;
    const rgba = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) rgba.set([200, 40, 40, 255], p * 4);
    const jpeg = encode({ width, height, data: rgba }, 95).data;
    const image = await decodeImage(new Uint8Array(jpeg));
    expect(image).toMatchObject({ width, height, channels: 3 });
    expect(Math.abs((image.data[0] as number) - 200)).toBeLessThan(8);
    expect(Math.abs((image.data[1] as number) - 40)).toBeLessThan(8);
    // 8×8 one-component JPEG made with `cjpeg -quality 100` from a PGM with pixel (x, y) = 32x + 4y.
    const gray = Uint8Array.from(atob(GRAY_JPEG), (c) => c.charCodeAt(0));
    const decoded = await decodeImage(gray);
    expect(decoded).toMatchObject({ width: 8, height: 8, channels: 1 });
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++)
        expect(Math.abs((decoded.data[y * 8 + x] as number) - ((32 * x + 4 * y) % 256))).toBeLessThan(4);
    }
  });

  it('rejects other formats, naming the expected types and the file', async () => {
    const gif = new TextEncoder().encode('GIF89a......');
    await expect(decodeImage(gif, 'cat.gif')).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringMatching(/cat\.gif to be a PNG or JPEG image, got a GIF image/),
    });
    const brokenPng = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]);
    await expect(decodeImage(brokenPng, 'bad.png')).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringContaining('bad.png'),
    });
    await expect(encodePng(new Uint8Array(5), 2, 2, 1)).rejects.toThrow(/2×2×1 = 4 bytes.*got 5/);
  });
});
