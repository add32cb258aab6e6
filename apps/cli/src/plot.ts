/** Draws the per-epoch D and G losses as a line chart into an RGB pixel buffer (written out as loss.png). */
export interface LossSeries {
  discriminator: number[];
  generator: number[];
}

export interface Raster {
  pixels: Uint8Array;
  width: number;
  height: number;
}

// 3×5 bitmap glyphs, one string of 15 bits per character (row-major).
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  '.': '000000000000010',
  '-': '000000111000000',
  D: '110101101101110',
  G: '111100101101111',
  e: '000111111100111',
  p: '000111101111100',
  o: '000111101101111',
  c: '000111100100111',
  h: '100100111101101',
  ' ': '000000000000000',
};

const RED: [number, number, number] = [214, 39, 40];
const BLUE: [number, number, number] = [31, 119, 180];
const GRAY: [number, number, number] = [200, 200, 200];
const BLACK: [number, number, number] = [40, 40, 40];

export function plotLosses(series: LossSeries, width = 640, height = 360): Raster {
  const pixels = new Uint8Array(width * height * 3).fill(255);
  const set = (x: number, y: number, color: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (Math.round(y) * width + Math.round(x)) * 3;
    pixels[i] = color[0];
    pixels[i + 1] = color[1];
    pixels[i + 2] = color[2];
  };
  const line = (x0: number, y0: number, x1: number, y1: number, color: readonly number[], thickness = 1) => {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dx = 0; dx < thickness; dx++) for (let dy = 0; dy < thickness; dy++) set(x + dx, y + dy, color);
    }
  };
  const text = (value: string, x: number, y: number, scale = 2) => {
    let cursor = x;
    for (const character of value) {
      const glyph = GLYPHS[character] ?? GLYPHS[' ']!;
      for (let row = 0; row < 5; row++) {
        for (let col = 0; col < 3; col++) {
          if (glyph[row * 3 + col] !== '1') continue;
          for (let a = 0; a < scale; a++)
            for (let b = 0; b < scale; b++) set(cursor + col * scale + a, y + row * scale + b, BLACK);
        }
      }
      cursor += 4 * scale;
    }
  };

  const left = 60;
  const right = width - 20;
  const top = 30;
  const bottom = height - 40;
  const values = [...series.discriminator, ...series.generator].filter(Number.isFinite);
  const count = Math.max(series.discriminator.length, series.generator.length);
  let low = values.length ? Math.min(...values) : 0;
  let high = values.length ? Math.max(...values) : 1;
  if (high - low < 1e-6) {
    low -= 0.5;
    high += 0.5;
  }
  const toX = (i: number) => left + (count <= 1 ? (right - left) / 2 : ((right - left) * i) / (count - 1));
  const toY = (v: number) => bottom - ((bottom - top) * (v - low)) / (high - low);

  for (let k = 0; k <= 4; k++) {
    const v = low + ((high - low) * k) / 4;
    const y = toY(v);
    line(left, y, right, y, GRAY);
    text(v.toFixed(2), 4, y - 5);
  }
  line(left, top, left, bottom, BLACK);
  line(left, bottom, right, bottom, BLACK);
  text('epoch', (left + right) / 2 - 20, height - 16);
  text('1', left - 2, bottom + 6);
  if (count > 1) text(String(count), right - 8 * String(count).length, bottom + 6);

  const draw = (data: number[], color: readonly number[]) => {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) continue;
      if (i > 0 && Number.isFinite(data[i - 1]!)) line(toX(i - 1), toY(data[i - 1]!), toX(i), toY(data[i]!), color, 2);
      for (let a = -2; a <= 2; a++) for (let b = -2; b <= 2; b++) set(toX(i) + a, toY(data[i]!) + b, color);
    }
  };
  draw(series.discriminator, RED);
  draw(series.generator, BLUE);

  // Legend: a red square then "D", a blue square then "G".
  for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) set(right - 70 + a, 8 + b, RED);
  text('D', right - 56, 8);
  for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) set(right - 36 + a, 8 + b, BLUE);
  text('G', right - 22, 8);
  return { pixels, width, height };
}
