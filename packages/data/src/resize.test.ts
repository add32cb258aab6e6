import { describe, expect, it } from 'vitest';
import { compositeOver, convertChannels, isGrayscale } from './raw-image.js';
import { resizeImage } from './resize.js';

const gray = (width: number, height: number, values: number[]) => ({
  width,
  height,
  channels: 1,
  data: new Uint8Array(values),
});

describe('resizeImage', () => {
  it('averages areas when shrinking, including partly covered pixels', () => {
    // 4×4 image of four constant 2×2 quadrants: 0, 100 / 200, 40.
    const values = [0, 0, 100, 100, 0, 0, 100, 100, 200, 200, 40, 40, 200, 200, 40, 40];
    const out = resizeImage(gray(4, 4, values), 2, 2);
    expect([out.width, out.height]).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([0, 100, 200, 40]);
    // 3 → 2: output 0 covers pixel 0 and half of pixel 1, output 1 the other half and pixel 2.
    expect(Array.from(resizeImage(gray(3, 1, [0, 90, 180]), 2, 1).data)).toEqual([30, 150]);
    const constant = resizeImage(gray(6, 6, new Array(36).fill(77)), 4, 4);
    expect(Array.from(constant.data)).toEqual(new Array(16).fill(77));
  });

  it('interpolates bilinearly when enlarging', () => {
    const out = resizeImage(gray(2, 1, [0, 200]), 4, 1);
    // pixel centres 0.25, 0.75, 1.25, 1.75 in input units → 0, 50, 150, 200 (edges clamp)
    expect(Array.from(out.data)).toEqual([0, 50, 150, 200]);
  });

  it('keeps channels interleaved and returns the same image when the size matches', () => {
    const rgb = { width: 2, height: 1, channels: 3, data: new Uint8Array([10, 20, 30, 10, 20, 30]) };
    expect(resizeImage(rgb, 2, 1)).toBe(rgb);
    expect(Array.from(resizeImage(rgb, 3, 2).data)).toEqual([
      10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30,
    ]);
    expect(() => resizeImage(rgb, 0, 2)).toThrow(/positive integer size/);
  });

  it('filters RGBA with premultiplied alpha, so transparent pixels lend no colour', () => {
    // Opaque red beside fully transparent green: the mean is half-transparent red, not brown.
    const rgba = { width: 2, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 255, 0, 255, 0, 0]) };
    expect(Array.from(resizeImage(rgba, 1, 1).data)).toEqual([255, 0, 0, 128]);
    const clear = { width: 2, height: 1, channels: 4, data: new Uint8Array([9, 9, 9, 0, 7, 7, 7, 0]) };
    expect(Array.from(resizeImage(clear, 1, 1).data)).toEqual([0, 0, 0, 0]);
    // Enlarging: colour stays red all the way to the transparent side.
    expect(Array.from(resizeImage(rgba, 4, 1).data)).toEqual([
      255, 0, 0, 255, 255, 0, 0, 191, 255, 0, 0, 64, 0, 0, 0, 0,
    ]);
  });
});

describe('convertChannels', () => {
  it('converts between gray, RGB and RGBA', () => {
    const rgb = { width: 2, height: 1, channels: 3, data: new Uint8Array([255, 0, 0, 9, 9, 9]) };
    expect(Array.from(convertChannels(rgb, 1).data)).toEqual([76, 9]); // 0.299 · 255
    expect(Array.from(convertChannels(gray(2, 1, [5, 6]), 3).data)).toEqual([5, 5, 5, 6, 6, 6]);
    expect(Array.from(convertChannels(gray(1, 1, [5]), 4).data)).toEqual([5, 5, 5, 255]);
    const rgba = { width: 1, height: 1, channels: 4, data: new Uint8Array([200, 100, 50, 51]) };
    expect(Array.from(convertChannels(rgba, 3).data)).toEqual([40, 20, 10]); // composited over black
    // 0.2 · [200, 100, 50] + 0.8 · [255, 255, 0]
    expect(Array.from(convertChannels(rgba, 3, [255, 255, 0]).data)).toEqual([244, 224, 10]);
    expect(Array.from(convertChannels(rgba, 1, [255, 255, 255]).data)).toEqual([229]); // luma of [244, 224, 214]
    expect(Array.from(compositeOver(rgba, [255, 255, 255]).data)).toEqual([244, 224, 214]);
    expect(compositeOver(rgb, [255, 255, 255])).toBe(rgb);
    expect(() => convertChannels(rgba, 3, [256, 0, 0])).toThrow(/three integers 0–255/);
    expect(isGrayscale(rgb)).toBe(false);
    expect(isGrayscale({ width: 1, height: 1, channels: 3, data: new Uint8Array([4, 4, 4]) })).toBe(true);
  });
});
