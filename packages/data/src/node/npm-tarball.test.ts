import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchTarball, integrityProblem, npmRegistry, npmTarballFileName, npmTarballUrl } from './npm-tarball.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

const bytes = new Uint8Array(1000).map((_, i) => i % 251);
const sha512 = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
const sha1 = `sha1-${createHash('sha1').update(bytes).digest('base64')}`;

describe('npm tarballs', () => {
  it('builds registry URLs and file names like npm', () => {
    const tarball = { name: 'emoji-datasource-google', version: '16.0.0', integrity: sha512 };
    expect(npmTarballUrl(tarball, 'https://registry.npmjs.org/')).toBe(
      'https://registry.npmjs.org/emoji-datasource-google/-/emoji-datasource-google-16.0.0.tgz',
    );
    expect(npmTarballUrl({ ...tarball, name: '@a/b' }, 'http://mirror/npm')).toBe(
      'http://mirror/npm/@a/b/-/b-16.0.0.tgz',
    );
    expect(npmTarballFileName({ ...tarball, name: '@a/b' })).toBe('a-b-16.0.0.tgz');
    expect(npmRegistry({})).toBe('https://registry.npmjs.org/');
    expect(npmRegistry({ npm_config_registry: 'http://mirror/' })).toBe('http://mirror/');
  });

  it('checks the strongest hash of an integrity string', () => {
    expect(integrityProblem(bytes, sha512)).toBeUndefined();
    expect(integrityProblem(bytes, sha1)).toBeUndefined();
    expect(integrityProblem(bytes, `${sha1} ${sha512}`)).toBeUndefined();
    expect(integrityProblem(bytes.subarray(1), `sha1-wrong ${sha512}`)).toMatch(
      /^integrity mismatch: expected sha512-/,
    );
    expect(() => integrityProblem(bytes, 'md5-abc')).toThrow(/Expected an integrity string such as sha512/);
  });

  it('downloads with progress, and fails with NETWORK saying why', async () => {
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      if (url.endsWith('/ok')) {
        const chunks = [bytes.subarray(0, 300), bytes.subarray(300, 600), bytes.subarray(600)];
        const body = new ReadableStream({
          pull: (stream) => void (chunks.length ? stream.enqueue(chunks.shift()) : stream.close()),
        });
        return new Response(body, { headers: { 'content-length': String(bytes.length) } });
      }
      if (url.endsWith('/stall')) {
        // One chunk, then nothing until the caller gives up.
        const body = new ReadableStream({
          start: (stream) => stream.enqueue(bytes.subarray(0, 10)),
          pull: () =>
            new Promise<void>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
        });
        return new Response(body, { headers: { 'content-length': String(bytes.length) } });
      }
      if (url.endsWith('/short'))
        return new Response(bytes, { headers: { 'content-length': String(bytes.length + 5) } });
      if (url.endsWith('/missing')) return new Response('no', { status: 404, statusText: 'Not Found' });
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    });
    vi.stubGlobal('fetch', fetch);
    const messages: string[] = [];
    const got = await fetchTarball('https://r/ok', sha512, { log: (m) => messages.push(m) });
    expect(got).toEqual(bytes);
    expect(messages).toEqual([
      'Downloading https://r/ok (0.0 MB)',
      '  25% (0.0 MB of 0.0 MB)',
      '  50% (0.0 MB of 0.0 MB)',
      'Downloaded 0.0 MB; integrity checked',
    ]);
    const failure = (url: string, integrity = sha512) => fetchTarball(url, integrity).catch((e) => e);
    expect(await failure('https://r/short')).toMatchObject({
      code: 'NETWORK',
      message: 'Could not download https://r/short: incomplete: expected 1005 bytes, got 1000.',
    });
    expect((await failure('https://r/missing')).message).toBe(
      'Could not download https://r/missing: HTTP 404 Not Found.',
    );
    expect((await fetchTarball('https://r/stall', sha512, { idleTimeoutMs: 50 }).catch((e) => e)).message).toBe(
      'Could not download https://r/stall: no data for 0.05 s.',
    );
    expect((await failure('https://r/offline')).message).toBe('Could not download https://r/offline: ENOTFOUND.');
    expect((await failure('https://r/ok', sha1.replace('sha1-', 'sha1-x'))).message).toMatch(
      /integrity mismatch: expected sha1-x.*\(a proxy or mirror that changed it\?\)/,
    );
  });
});
