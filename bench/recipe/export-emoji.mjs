// Writes the emoji that `gan train --data emoji` trains on as a uint8 .npy (N, S, S, 3), the input of
// dcgan_emoji_torch.py, so that both libraries train on the same pixels.
//
//   node bench/recipe/export-emoji.mjs --out emoji64.npy [--size 64] [--background white] [--limit N] [--labels FILE]
//
// The images come from emoji() of @gan/data/node, as `gan train --data emoji` loads them (emoji-datasource-google
// @16.0.0 from the user cache, composited over --background, resized to --size; --limit keeps the first N as
// gan train --limit does). --labels also writes their category indices as int32 (N,). It prints the SHA-256 of
// the pixel bytes: the same on every machine for the same options. Build @gan/core and @gan/data first.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { emoji } from '@gan/data/node';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    size: { type: 'string', default: '64' },
    background: { type: 'string', default: 'white' },
    limit: { type: 'string' },
    labels: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.out) {
  console.log(
    'node bench/recipe/export-emoji.mjs --out emoji64.npy [--size 64] [--background white|black|gray|#rrggbb|r,g,b] [--limit N] [--labels FILE.npy]',
  );
  process.exit(values.help ? 0 : 2);
}

/** --background as gan train reads it: white, black, gray, #rrggbb or r,g,b. */
function background(value) {
  const text = value.trim().toLowerCase();
  const named = { white: [255, 255, 255], black: [0, 0, 0], gray: [128, 128, 128], grey: [128, 128, 128] };
  if (named[text]) return named[text];
  const hex = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(text);
  if (hex) return hex.slice(1).map((part) => Number.parseInt(part, 16));
  const parts = text.split(',').map(Number);
  if (parts.length === 3 && parts.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) return parts;
  throw new Error(`Expected --background white, black, gray, #rrggbb or r,g,b, got "${value}".`);
}

/** A NumPy .npy v1.0 file of `bytes` with dtype `descr` and `shape`, header padded to 64 bytes. */
function npy(bytes, descr, shape) {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${' '.repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + bytes.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 10 + header.length);
  return out;
}

const size = Number(values.size);
const data = await emoji({ size, background: background(values.background), log: (line) => console.error(line) });
const count = values.limit === undefined ? data.size : Math.min(Number(values.limit), data.size);
if (!(data.x instanceof Uint8Array)) throw new Error('Expected emoji() to keep the pixels as bytes.');
const pixels = data.x.subarray(0, count * size * size * 3);
const out = resolve(values.out);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, npy(pixels, '|u1', [count, size, size, 3]));
console.log(
  `wrote ${out}: uint8 (${count}, ${size}, ${size}, 3), ${data.source}` +
    (count < data.size ? `, first ${count}` : '') +
    `, over ${values.background}; sha256 of the pixels ${createHash('sha256').update(pixels).digest('hex')}`,
);
if (values.labels) {
  const labels = Int32Array.from(data.labels.subarray(0, count));
  await writeFile(resolve(values.labels), npy(labels, '<i4', [count]));
  console.log(`wrote ${resolve(values.labels)}: int32 (${count}) category indices of ${data.classNames.join(', ')}`);
}
