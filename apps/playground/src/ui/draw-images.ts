import type { ImagesView } from '../session/protocol.js';

/** Draws a grid image with values in [0, 1] (1 or 3 channels), scaled without smoothing to the canvas width. */
export function drawImagesView(canvas: HTMLCanvasElement, view: ImagesView): void {
  const { width, height, channels, pixels } = view;
  const image = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const value = pixels[i * channels + (channels === 1 ? 0 : c)] as number;
      image.data[4 * i + c] = Math.round(Math.min(Math.max(value, 0), 1) * 255);
    }
    image.data[4 * i + 3] = 255;
  }
  // Fill the canvas width, keeping the grid's aspect ratio (the canvas grows or shrinks in height).
  const fittedHeight = Math.round((height * canvas.width) / width);
  if (canvas.height !== fittedHeight) canvas.height = fittedHeight;
  const context = canvas.getContext('2d');
  if (!context) return;
  const scratch = new OffscreenCanvas(width, height);
  scratch.getContext('2d')?.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}
