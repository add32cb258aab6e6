import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { temporaryFolder } from '../testing/helpers.js';
import { downloadFile } from './download.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

const body = gzipSync(new Uint8Array([1, 2, 3, 4, 5]));
const md5 = createHash('md5').update(body).digest('hex');

function offline(): Error {
  return Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
}

describe('downloadFile', () => {
  it('tries the mirrors in order and keeps the first intact file', async () => {
    const fetch = vi.fn(async (url: string) => {
      if (url.startsWith('https://a/')) throw offline();
      if (url.startsWith('https://b/')) return new Response('gone', { status: 404 });
      if (url.startsWith('https://c/')) return new Response('<html>error</html>');
      if (url.startsWith('https://d/')) return new Response(gzipSync(new Uint8Array([9])));
      return new Response(body);
    });
    vi.stubGlobal('fetch', fetch);
    const folder = await temporaryFolder();
    const destination = join(folder, 'sub', 'file.gz');
    const urls = ['a', 'b', 'c', 'd', 'e'].map((host) => `https://${host}/file.gz`);
    await downloadFile({ urls, destination, md5, gzip: true });
    expect(fetch).toHaveBeenCalledTimes(5);
    expect(new Uint8Array(await readFile(destination))).toEqual(new Uint8Array(body));
    expect(await readdir(join(folder, 'sub'))).toEqual(['file.gz']); // no partial file left
  });

  it('fails with NETWORK, saying why each mirror failed, and writes nothing', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url.includes('slow')) {
          return new Promise<Response>((_, reject) =>
            init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
          );
        }
        if (url.includes('short'))
          return new Response(body, { headers: { 'content-length': String(body.length + 10) } });
        if (url.includes('wrong')) return new Response(gzipSync(new Uint8Array([7])));
        throw offline();
      }),
    );
    const folder = await temporaryFolder();
    const destination = join(folder, 'file.gz');
    const urls = ['https://offline/f', 'https://slow/f', 'https://short/f', 'https://wrong/f'];
    const error = await downloadFile({ urls, destination, md5, gzip: true, timeoutMs: 50 }).catch((e) => e);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain('https://offline/f: ENOTFOUND');
    expect(error.message).toContain('https://slow/f: timed out after 0.05 s');
    expect(error.message).toContain(
      `https://short/f: incomplete: expected ${body.length + 10} bytes, got ${body.length}`,
    );
    expect(error.message).toContain(`https://wrong/f: checksum mismatch: expected MD5 ${md5}`);
    expect(await readdir(folder)).toEqual([]);
  });
});
