import { describe, expect, it } from 'vitest';
import { SCATTER_REAL_COLOR, SCATTER_SAMPLE_COLOR, scatterPlot } from './scatter-plot.js';

const pixel = (image: { width: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

describe('scatterPlot', () => {
  it('draws samples over the real points, y up, in a view spanning both', () => {
    // The real point (−1, −1) sets the extent 1.15; the sample (0, 0) is at the centre.
    const image = scatterPlot(Float32Array.of(0, 0), { realPoints: Float32Array.of(-1, -1, 0, 0), size: 101 });
    expect(image).toMatchObject({ width: 101, height: 101, channels: 3 });
    expect(image.data).toHaveLength(101 * 101 * 3);
    expect(pixel(image, 50, 50)).toEqual([...SCATTER_SAMPLE_COLOR]);
    const corner = Math.round(((-1 / 1.15 + 1) / 2) * 100);
    expect(pixel(image, corner, 100 - corner)).toEqual([...SCATTER_REAL_COLOR]);
    expect(pixel(image, 100 - corner, corner)).toEqual([255, 255, 255]);
    expect(pixel(image, 0, 0)).toEqual([255, 255, 255]);
  });

  it('leaves out non-finite coordinates and defaults to 400 × 400', () => {
    const image = scatterPlot(Float32Array.of(Number.NaN, 2, 2, 2));
    expect(image).toMatchObject({ width: 400, height: 400 });
    const at = Math.round(((2 / 2.3 + 1) / 2) * 399);
    expect(pixel(image, at, 399 - at)).toEqual([...SCATTER_SAMPLE_COLOR]);
  });
});
