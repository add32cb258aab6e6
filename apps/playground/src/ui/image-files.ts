import { convertChannels, resizeImage } from '@gan/data';

/** The side of the images dcganMnist and the DCGAN cgan train on. */
export const IMAGE_SIDE = 28;

/** Image files decoded into a training set: gray 28×28 bytes, labels from folder names when there are any. */
export interface DecodedImages {
  /** `count × 28 × 28` gray bytes, row-major. */
  pixels: Uint8Array;
  count: number;
  /** One class index per image (into `classNames`), when the files came from subfolders of a folder. */
  labels?: Uint8Array;
  /** The subfolder names, sorted; class `i` is `classNames[i]`. */
  classNames?: string[];
  /** Names of the files that could not be decoded (skipped). */
  skipped: string[];
}

const isImageName = (name: string) => /\.(png|jpe?g)$/i.test(name);

/**
 * The class of a file picked from a folder: its parent folder's name below the picked folder
 * (`digits/3/a.png` → `3`), or undefined for a file directly in the picked folder or not from a folder.
 */
function folderOf(file: File): string | undefined {
  const parts = (file.webkitRelativePath ?? '').split('/');
  return parts.length >= 3 ? parts[parts.length - 2] : undefined;
}

/** Decodes one file to gray 28×28 bytes (area averaging when shrinking) with `createImageBitmap` and a canvas. */
async function decodeToGray(file: File): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2-D canvas context');
    context.drawImage(bitmap, 0, 0);
    const { data, width, height } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    const gray = convertChannels({ width, height, channels: 4, data: new Uint8Array(data.buffer) }, 1);
    return resizeImage(gray, IMAGE_SIDE, IMAGE_SIDE).data;
  } finally {
    bitmap.close();
  }
}

/**
 * Decodes PNG/JPEG files into a gray 28×28 training set. Files that are not `.png`/`.jpg`/`.jpeg` are
 * ignored; files that fail to decode are skipped and named in `skipped`. Labels come from subfolder
 * names only when every decoded file sits in a subfolder (a folder picked with `webkitdirectory`).
 */
export async function decodeImageFiles(files: readonly File[]): Promise<DecodedImages> {
  const candidates = files.filter((file) => isImageName(file.name));
  const decoded: { pixels: Uint8Array; folder?: string }[] = [];
  const skipped: string[] = [];
  for (const file of candidates) {
    try {
      decoded.push({ pixels: await decodeToGray(file), folder: folderOf(file) });
    } catch {
      skipped.push(file.webkitRelativePath || file.name);
    }
  }
  const size = IMAGE_SIDE * IMAGE_SIDE;
  const pixels = new Uint8Array(decoded.length * size);
  for (const [i, image] of decoded.entries()) pixels.set(image.pixels, i * size);
  const labelled = decoded.length > 0 && decoded.every((image) => image.folder !== undefined);
  if (!labelled) return { pixels, count: decoded.length, skipped };
  const classNames = [...new Set(decoded.map((image) => image.folder as string))].sort();
  const labels = Uint8Array.from(decoded, (image) => classNames.indexOf(image.folder as string));
  return { pixels, count: decoded.length, labels, classNames, skipped };
}
