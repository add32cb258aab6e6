import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { pngBytes, tarBytes, temporaryFolder } from '../testing/helpers.js';
import { EMOJI_TARBALL, emoji, loadEmoji } from './emoji.js';
import type { NpmTarball } from './npm-tarball.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A 4×4 RGBA emoji: the left half `[r, g, b]` opaque, the right half transparent (its colour hidden). */
function emojiPng(rgb: [number, number, number]): Uint8Array {
  const samples: number[] = [];
  for (let p = 0; p < 16; p++) samples.push(...(p % 4 < 2 ? [...rgb, 255] : [9, 9, 9, 0]));
  return pngBytes({ width: 4, height: 4, colorType: 6, bitDepth: 8, samples });
}

const EMOJI_JSON = [
  { image: 'a.png', category: 'Smileys' },
  { image: 'b.png', category: 'Animals' },
  { image: 'c.png', category: 'Smileys', skin_variations: { '1F3FB': { image: 'c-1f3fb.png' } } },
  { image: 'd.png', category: 'Component' },
  { image: 'e.png', category: 'Animals' },
];

const COLOURS: Record<string, [number, number, number]> = {
  'a.png': [255, 0, 0],
  'b.png': [0, 255, 0],
  'c.png': [0, 0, 255],
  'c-1f3fb.png': [0, 0, 128],
  'd.png': [1, 2, 3],
  'e.png': [0, 128, 0],
};

/** A gzipped npm-style tarball with the layout of emoji-datasource-google, and its integrity. */
function fakePackage(): { bytes: Uint8Array; tarball: NpmTarball } {
  const images = Object.entries(COLOURS).map(([file, rgb]) => ({
    path: `package/img/google/64/${file}`,
    data: emojiPng(rgb),
    // Long paths arrive with pax and GNU long-name headers in real tarballs.
    pax: file === 'b.png',
    longName: file === 'e.png',
  }));
  const bytes = tarBytes([
    { path: 'package/package.json', data: '{"name":"emoji-datasource-google"}' },
    { path: 'package/img/google/64', type: '5' },
    ...images,
    { path: 'package/img/google/32/a.png', data: emojiPng([1, 1, 1]) },
    { path: 'package/emoji.json', data: JSON.stringify(EMOJI_JSON) },
    { path: 'package/LICENSE', data: 'MIT' },
  ]);
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  return { bytes, tarball: { name: 'emoji-datasource-google', version: '16.0.0', integrity } };
}

/** Serves `bytes` at the npm tarball path on 127.0.0.1; returns the registry URL and the requests seen. */
async function registry(bytes: Uint8Array): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/emoji-datasource-google/-/emoji-datasource-google-16.0.0.tgz') {
      response.writeHead(200, { 'content-length': bytes.length });
      response.end(bytes);
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('emoji', () => {
  it('downloads, checks, extracts only what it needs, labels by category and reuses the cache', async () => {
    const { bytes, tarball } = fakePackage();
    const server = await registry(bytes);
    const cacheDir = await temporaryFolder();
    const messages: string[] = [];
    const config = {
      cacheDir,
      registry: server.url,
      size: 4,
      minImagesPerClass: 2,
      log: (m: string) => messages.push(m),
    };
    const dataset = await loadEmoji(config, tarball);
    expect(server.requests).toEqual(['/emoji-datasource-google/-/emoji-datasource-google-16.0.0.tgz']);
    const folder = join(cacheDir, 'emoji-datasource-google-16.0.0');
    expect((await readdir(cacheDir)).sort()).toEqual(['emoji-datasource-google-16.0.0']); // no partial folder left
    expect((await readdir(folder)).sort()).toEqual(['LICENSE', 'emoji.json', 'img']);
    expect(await readdir(join(folder, 'img', 'google'))).toEqual(['64']);
    expect((await readdir(join(folder, 'img', 'google', '64'))).sort()).toEqual(Object.keys(COLOURS).sort());

    // Component has 1 image (< 2): left out. Skin variations count for their emoji's category.
    expect(dataset.name).toBe('emoji');
    expect(dataset.classNames).toEqual(['Animals', 'Smileys']);
    expect(dataset.size).toBe(5);
    expect(dataset.shape).toEqual([4, 4, 3]);
    expect(Array.from(dataset.labels as Int32Array)).toEqual([1, 0, 1, 1, 0]); // emoji.json order
    const pixel = (i: number, x: number) =>
      Array.from((dataset.x as Uint8Array).subarray(i * 48 + x * 3, i * 48 + x * 3 + 3));
    expect([pixel(0, 0), pixel(0, 3)]).toEqual([
      [255, 0, 0],
      [255, 255, 255], // transparent → white
    ]);
    expect(pixel(3, 0)).toEqual([0, 0, 128]);
    expect(dataset.source).toBe(
      `emoji-datasource-google@16.0.0 (MIT): 5 emoji 4×4 in 2 categories (Animals 2, Smileys 3) from ${folder}`,
    );
    expect(messages).toContain('Leaving out categories with fewer than 2 images: Component (1)');
    expect(messages.some((m) => m.startsWith(`Downloading ${server.url}emoji-datasource-google/-/`))).toBe(true);

    // From the cache: no request, and the options apply to the cached originals.
    const again = await loadEmoji(
      { ...config, size: 2, background: [0, 0, 0], range: [-1, 1], minImagesPerClass: 1 },
      tarball,
    );
    expect(server.requests).toHaveLength(1);
    expect(again.classNames).toEqual(['Animals', 'Component', 'Smileys']);
    expect(again.shape).toEqual([2, 2, 3]);
    expect(again.range).toEqual([-1, 1]);
    expect(Array.from((again.x as Uint8Array).subarray(0, 6))).toEqual([255, 0, 0, 0, 0, 0]); // over black
  });

  it('honours npm_config_registry and rejects a tarball whose integrity does not match', async () => {
    const { bytes, tarball } = fakePackage();
    const server = await registry(bytes);
    vi.stubEnv('npm_config_registry', server.url);
    const cacheDir = await temporaryFolder();
    const wrong = { ...tarball, integrity: `sha512-${createHash('sha512').update('other').digest('base64')}` };
    const error = await loadEmoji({ cacheDir }, wrong).catch((e) => e);
    expect(server.requests).toHaveLength(1);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain('integrity mismatch: expected sha512-');
    expect(error.message).toContain('npm pack emoji-datasource-google@16.0.0');
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('uses a local tarball from the config or GAN_EMOJI_TARBALL, and checks it is the right one', async () => {
    const { bytes, tarball } = fakePackage();
    const folder = await temporaryFolder();
    const path = join(folder, 'emoji-datasource-google-16.0.0.tgz');
    await writeFile(path, bytes);
    vi.stubEnv('GAN_EMOJI_TARBALL', path);
    const dataset = await loadEmoji(
      { cacheDir: join(folder, 'cache'), download: false, minImagesPerClass: 2 },
      tarball,
    );
    expect(dataset.size).toBe(5);
    await expect(emoji({ cacheDir: join(folder, 'other'), tarball: path })).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringMatching(
        /to be the tarball of emoji-datasource-google@16\.0\.0, got a file with another hash/,
      ),
    });
  });

  it('says what to do when offline or when downloading is off', async () => {
    const cacheDir = await temporaryFolder();
    const port = await closedPort();
    const error = await emoji({ cacheDir, registry: `http://127.0.0.1:${port}` }).catch((e) => e);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain(
      `Could not download http://127.0.0.1:${port}/emoji-datasource-google/-/emoji-datasource-google-16.0.0.tgz: ECONNREFUSED.`,
    );
    expect(error.message).toContain('Run once on a connected machine');
    expect(error.message).toContain(
      '`npm pack emoji-datasource-google@16.0.0` and pass its path: GAN_EMOJI_TARBALL=path/to/emoji-datasource-google-16.0.0.tgz',
    );
    await expect(emoji({ cacheDir, download: false })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('downloading is off'),
    });
    expect(EMOJI_TARBALL.integrity).toMatch(/^sha512-/);
  });
});
