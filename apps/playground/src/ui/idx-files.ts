import { parseIdx } from '@gan/data';

/** Bytes of a file, gunzipped when it starts with the gzip magic `1f 8b` (MNIST is distributed as `.gz`). */
export async function readMaybeGzip(file: Blob): Promise<Uint8Array> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const stream = file.stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * Sorts dropped MNIST idx files into images (3 dimensions) and labels (1 dimension) by their headers,
 * not their names. Throws the idx parser's error for a file that is not idx.
 */
export async function readIdxFiles(files: readonly File[]): Promise<{ images: Uint8Array; labels?: Uint8Array }> {
  let images: Uint8Array | undefined;
  let labels: Uint8Array | undefined;
  for (const file of files) {
    const bytes = await readMaybeGzip(file);
    const { shape } = parseIdx(bytes, file.name);
    if (shape.length === 3) images = bytes;
    else if (shape.length === 1) labels = bytes;
  }
  if (!images) {
    throw new Error(
      `Expected an idx images file (train-images-idx3-ubyte or t10k-images-idx3-ubyte, .gz or not) among ${files.map((f) => f.name).join(', ')}.`,
    );
  }
  return { images, labels };
}
