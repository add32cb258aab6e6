import { describe, expect, it } from 'vitest';
import { tarBytes } from '../testing/helpers.js';
import { readTar } from './tar.js';

const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('readTar', () => {
  it('lists files, folders and long paths (pax and GNU long names) with their bytes', () => {
    const long = `package/${'deep/'.repeat(30)}file.txt`;
    const tar = tarBytes(
      [
        { path: 'package/', type: '5' },
        { path: 'package/a.txt', data: 'hello' },
        { path: long, data: 'pax', pax: true },
        { path: `${long}2`, data: 'gnu', longName: true },
        { path: 'package/empty', data: '' },
        { path: 'package/big.bin', data: new Uint8Array(1300).fill(7) },
      ],
      false,
    );
    const entries = [...readTar(tar)];
    expect(entries.map(({ path, type }) => [path, type])).toEqual([
      ['package/', '5'],
      ['package/a.txt', '0'],
      [long, '0'],
      [`${long}2`, '0'],
      ['package/empty', '0'],
      ['package/big.bin', '0'],
    ]);
    expect(entries.map(({ data }) => data.length)).toEqual([0, 5, 3, 3, 0, 1300]);
    expect([text(entries[1]?.data as Uint8Array), text(entries[2]?.data as Uint8Array)]).toEqual(['hello', 'pax']);
    expect(entries[5]?.data.every((b) => b === 7)).toBe(true);
  });

  it('rejects a damaged header and a truncated member, naming the archive', () => {
    const tar = tarBytes([{ path: 'a.txt', data: 'x'.repeat(600) }], false);
    const damaged = tar.slice();
    damaged[3] = 0x41;
    expect(() => [...readTar(damaged, 'x.tgz')]).toThrow(/Bad tar header checksum at byte 0 of x\.tgz/);
    expect(() => [...readTar(tar.subarray(0, 1024), 'x.tgz')]).toThrow(
      /x\.tgz ends inside a member: 600 bytes announced at byte 512, 512 left/,
    );
  });
});
