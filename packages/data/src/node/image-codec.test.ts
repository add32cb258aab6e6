import { describe, expect, it } from 'vitest';
import { pngBytes } from '../testing/helpers.js';
import { decodeImage, encodePng, tryDecodeImage } from './image-codec.js';

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

  it('decodes every PNG colour type and depth to 8-bit gray, RGB or RGBA', async () => {
    const decode = async (spec: Parameters<typeof pngBytes>[0]) => {
      const { width, height, channels, data } = await decodeImage(pngBytes(spec));
      return { width, height, channels, data: Array.from(data) };
    };
    const size = { width: 2, height: 1 } as const;
    expect(await decode({ ...size, colorType: 0, bitDepth: 8, samples: [10, 200] })).toEqual({
      ...size,
      channels: 1,
      data: [10, 200],
    });
    // 16-bit samples are scaled to 8 bits: 0x8080 → 128, 0xffff → 255.
    expect(await decode({ ...size, colorType: 0, bitDepth: 16, samples: [0x80, 0x80, 0xff, 0xff] })).toMatchObject({
      channels: 1,
      data: [128, 255],
    });
    expect(
      await decode({ width: 1, height: 1, colorType: 2, bitDepth: 16, samples: [0xff, 0xff, 0x80, 0x80, 0, 0] }),
    ).toMatchObject({ channels: 3, data: [255, 128, 0] });
    // Gray + alpha comes back as RGBA with R = G = B.
    expect(await decode({ ...size, colorType: 4, bitDepth: 8, samples: [10, 0, 200, 128] })).toMatchObject({
      channels: 4,
      data: [10, 10, 10, 0, 200, 200, 200, 128],
    });
    expect(
      await decode({
        ...size,
        colorType: 6,
        bitDepth: 16,
        samples: [0xff, 0xff, 0, 0, 0, 0, 0x80, 0x80, 0, 0, 0, 0, 0, 0, 0xff, 0xff],
      }),
    ).toMatchObject({ channels: 4, data: [255, 0, 0, 128, 0, 0, 0, 255] });
    // Palettes are expanded; a tRNS chunk makes them RGBA.
    const palette = [
      [255, 0, 0],
      [0, 0, 255],
    ] as const;
    expect(await decode({ ...size, colorType: 3, bitDepth: 8, samples: [0, 1], palette })).toMatchObject({
      channels: 3,
      data: [255, 0, 0, 0, 0, 255],
    });
    expect(
      await decode({ ...size, colorType: 3, bitDepth: 8, samples: [0, 1], palette, transparency: [0] }),
    ).toMatchObject({ channels: 4, data: [255, 0, 0, 0, 0, 0, 255, 255] });
    // tRNS on a gray image: the listed value becomes transparent.
    expect(
      await decode({ ...size, colorType: 0, bitDepth: 8, samples: [10, 200], transparency: [0, 10] }),
    ).toMatchObject({ channels: 4, data: [0, 0, 0, 0, 200, 200, 200, 255] });
  });

  it('says in a few words why bytes do not decode', async () => {
    const png = pngBytes({ width: 2, height: 2, colorType: 0, bitDepth: 8, samples: [1, 2, 3, 4] });
    expect(await tryDecodeImage(png.subarray(0, 40))).toEqual({ problem: 'truncated PNG (the data ends early)' });
    const { encode } = await import('jpeg-js');
    const jpeg = new Uint8Array(encode({ width: 8, height: 8, data: new Uint8Array(256).fill(90) }, 90).data);
    expect((await tryDecodeImage(jpeg.subarray(0, jpeg.length - 30))).problem).toMatch(/^undecodable JPEG \(.+\)$/);
    expect(await tryDecodeImage(new TextEncoder().encode('GIF89a....'))).toEqual({
      problem: 'a GIF image, not PNG or JPEG',
    });
    expect(await tryDecodeImage(new Uint8Array(0))).toEqual({ problem: 'an empty file, not PNG or JPEG' });
    await expect(decodeImage(png.subarray(0, 40), 'cut.png')).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: 'Cannot decode cut.png: truncated PNG (the data ends early). Replace the file or remove it.',
    });
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
