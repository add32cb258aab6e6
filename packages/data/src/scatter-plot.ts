import type { RawImage, RgbBytes } from './raw-image.js';

/** Options of {@link scatterPlot}. */
export interface ScatterPlotConfig {
  /** Real points `[x0, y0, x1, y1, …]`, drawn in grey under the samples. Defaults to none. */
  realPoints?: Float32Array;
  /** Width and height of the square plot in pixels. Defaults to `400`. */
  size?: number;
}

/** The colour of the samples in {@link scatterPlot}. */
export const SCATTER_SAMPLE_COLOR: RgbBytes = [31, 119, 180];
/** The colour of the real points in {@link scatterPlot}. */
export const SCATTER_REAL_COLOR: RgbBytes = [190, 190, 190];

/**
 * Draws 2-D points `[x0, y0, x1, y1, …]` (a generator's samples) as 3×3 blue dots on white, over the real points in
 * grey: an RGB image, `size × size`. The view is centred on the origin and spans the largest coordinate of either
 * set with a 15 % margin; `y` points up. Non-finite coordinates are left out of the view.
 */
export function scatterPlot(points: Float32Array, config: ScatterPlotConfig = {}): RawImage {
  const { realPoints, size = 400 } = config;
  let largest = 0;
  for (const data of [points, realPoints ?? points]) {
    for (const v of data) if (Number.isFinite(v)) largest = Math.max(largest, Math.abs(v));
  }
  const extent = 1.15 * (largest || 1);
  const data = new Uint8Array(size * size * 3).fill(255);
  const plot = (values: Float32Array, color: RgbBytes, radius: number) => {
    for (let i = 0; i + 1 < values.length; i += 2) {
      const cx = Math.round(((values[i]! / extent + 1) / 2) * (size - 1));
      const cy = Math.round(((1 - values[i + 1]! / extent) / 2) * (size - 1));
      for (let dx = -radius; dx <= radius; dx++) {
        for (let dy = -radius; dy <= radius; dy++) {
          const x = cx + dx;
          const y = cy + dy;
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const j = (y * size + x) * 3;
          data[j] = color[0];
          data[j + 1] = color[1];
          data[j + 2] = color[2];
        }
      }
    }
  };
  if (realPoints) plot(realPoints, SCATTER_REAL_COLOR, 1);
  plot(points, SCATTER_SAMPLE_COLOR, 1);
  return { width: size, height: size, channels: 3, data };
}
