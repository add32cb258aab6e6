import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy.js';

describe('npy', () => {
  it('writes a v1.0 header that NumPy reads, aligned to 64 bytes', () => {
    const bytes = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = (bytes[8] as number) | ((bytes[9] as number) << 8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect(bytes.length).toBe(10 + headerLength + 24);
    const view = new DataView(bytes.buffer, 10 + headerLength);
    expect(view.getFloat32(4, true)).toBe(2);
  });

  it('round-trips data and shapes, including 1-D and scalars', () => {
    const data = new Float32Array([0.5, -1.25, 3e-8, 1e30, Number.NaN, 7]);
    const decoded = decodeNpy(encodeNpy(data, [6]));
    expect(decoded.shape).toEqual([6]);
    expect(decoded.data).toEqual(data);
    const header = new TextDecoder().decode(encodeNpy(data, [6]).subarray(10, 70));
    expect(header).toContain("'shape': (6,)");
    expect(decodeNpy(encodeNpy(new Float32Array([4]), [])).shape).toEqual([]);
    const cube = decodeNpy(
      encodeNpy(
        new Float32Array(24).map((_, i) => i),
        [2, 3, 4],
      ),
    );
    expect(cube.shape).toEqual([2, 3, 4]);
    expect(cube.data[23]).toBe(23);
  });

  it('reads other dtypes and byte orders', () => {
    const header = "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }";
    const padded = `${header.padEnd(64 - 10 - 1, ' ')}\n`;
    const bytes = new Uint8Array(10 + padded.length + 4);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    for (let i = 0; i < padded.length; i++) bytes[10 + i] = padded.charCodeAt(i);
    bytes.set([0xff, 0xfe, 0x01, 0x00], 10 + padded.length); // -2, 256 big-endian
    expect(Array.from(decodeNpy(bytes).data)).toEqual([-2, 256]);
  });

  it('rejects mismatched shapes and broken files', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6/);
    expect(() => decodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/magic bytes/);
    const bytes = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 1), 'a.npy')).toThrow(
      /a\.npy.*expected 144 bytes, got 143/,
    );
    const fortran = encodeNpy(new Float32Array(4), [2, 2]);
    const text = new TextDecoder().decode(fortran.subarray(10, 64)).replace('False', 'True ');
    for (let i = 0; i < text.length; i++) fortran[10 + i] = text.charCodeAt(i);
    expect(() => decodeNpy(fortran)).toThrow(/Fortran order/);
  });
});
