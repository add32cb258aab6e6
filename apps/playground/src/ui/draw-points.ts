import type { PointsView } from '../session/protocol.js';

/** Maps a data coordinate in `[min, max]` to a pixel in `[0, size)` (y up). */
export function toPixel(value: number, bounds: readonly [number, number], size: number, flip: boolean): number {
  const unit = (value - bounds[0]) / (bounds[1] - bounds[0]);
  return (flip ? 1 - unit : unit) * size;
}

/** Makes the canvas square (an image grid may have changed its height). */
export function squareUp(canvas: HTMLCanvasElement): void {
  if (canvas.height !== canvas.width) canvas.height = canvas.width;
}

/**
 * Draws sigmoid(D) as a heatmap (blue = "fake", red = "real") under the real points (dark) and the
 * generated points (orange).
 */
export function drawPointsView(canvas: HTMLCanvasElement, view: PointsView): void {
  squareUp(canvas);
  const context = canvas.getContext('2d');
  if (!context) return;
  const { resolution, surface, bounds } = view;
  const heat = new ImageData(resolution, resolution);
  for (let i = 0; i < resolution * resolution; i++) {
    const p = surface[i] as number;
    heat.data[4 * i] = Math.round(255 * (0.55 + 0.45 * p));
    heat.data[4 * i + 1] = Math.round(255 * (0.75 - 0.25 * Math.abs(p - 0.5) * 2));
    heat.data[4 * i + 2] = Math.round(255 * (1 - 0.45 * p));
    heat.data[4 * i + 3] = 255;
  }
  const scratch = new OffscreenCanvas(resolution, resolution);
  scratch.getContext('2d')?.putImageData(heat, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  const dots = (points: Float32Array, color: string, radius: number) => {
    context.fillStyle = color;
    for (let i = 0; i + 1 < points.length; i += 2) {
      const x = toPixel(points[i] as number, bounds, canvas.width, false);
      const y = toPixel(points[i + 1] as number, bounds, canvas.height, true);
      context.fillRect(x - radius, y - radius, 2 * radius, 2 * radius);
    }
  };
  dots(view.real, 'rgba(20, 30, 40, 0.8)', 1.5);
  dots(view.fake, 'rgba(255, 140, 0, 0.9)', 1.5);
}

/** Draws user-drawn points on a blank background (before a drawn set is trained). */
export function drawSketch(canvas: HTMLCanvasElement, points: Float32Array, bounds: readonly [number, number]): void {
  squareUp(canvas);
  const context = canvas.getContext('2d');
  if (!context) return;
  context.fillStyle = '#f4f4f4';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#123';
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = toPixel(points[i] as number, bounds, canvas.width, false);
    const y = toPixel(points[i + 1] as number, bounds, canvas.height, true);
    context.fillRect(x - 2, y - 2, 4, 4);
  }
}
