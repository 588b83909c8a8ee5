/**
 * File bytes → an 8-bit raster, with sharp (libvips). Runs in the training worker only: sharp is native, and is
 * loaded on the first decode (loadSharp), so a run on the built-in dataset never needs it.
 *
 * Decoding follows what a PIL loader gives torchvision where it can: the first frame of a GIF or animated WebP,
 * no EXIF rotation, embedded ICC profiles ignored (PIL does not apply them). 16-bit images become 8-bit
 * (libvips keeps the high byte, as PIL does for 16-bit RGB). Grey images come back with 1 channel (2 with alpha).
 * A file that cannot be decoded raises `DecodeError` with a one-line reason for the scan report.
 */
import path from 'node:path';
import type Sharp from 'sharp';
import type { Raster } from './resample';

export class DecodeError extends Error {}

/** sharp could not be loaded on this platform: a folder dataset cannot be decoded (the built-in one still works). */
export class SharpUnavailableError extends Error {
  constructor(cause: unknown) {
    const why = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
    super(`Image folders need the image decoder sharp, which could not be loaded for ${process.platform}-${process.arch} ` +
      `(${why}). The built-in dataset trains without it. To train on a folder: use the DCGAN Lab package for this ` +
      'platform, or run `dcgan-lab train --data FOLDER` from a checkout after `npm install`.', { cause });
    this.name = 'SharpUnavailableError';
  }
}

let sharpModule: typeof Sharp | undefined;

/**
 * sharp, loaded on first use. The bundled worker (dist/worker.js) keeps it external: Node finds it in the
 * node_modules next to dist/, the repository's in a checkout, the one the .vsix ships (.vscodeignore) when packaged.
 */
export function loadSharp(): typeof Sharp {
  if (!sharpModule) {
    try {
      sharpModule = require('sharp') as typeof Sharp;
    } catch (e) {
      throw new SharpUnavailableError(e);
    }
  }
  return sharpModule;
}

export interface Decoded {
  /** sharp's loader name: 'png', 'jpeg', 'webp', 'gif', 'tiff', 'heif', … */
  format: string;
  raster: Raster;
}

const DISPLAY: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', gif: 'GIF', tiff: 'TIFF', heif: 'HEIF/AVIF', bmp: 'BMP', svg: 'SVG', pdf: 'PDF' };
const EXTENSIONS: Record<string, string> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.jfif': 'jpeg', '.webp': 'webp', '.gif': 'gif', '.tif': 'tiff', '.tiff': 'tiff', '.heic': 'heif', '.heif': 'heif', '.avif': 'heif', '.bmp': 'bmp' };
/** formats sharp can load but that are not pictures to learn from */
const NOT_RASTER = new Set(['svg', 'pdf']);

/** The format the first bytes announce, or null. */
function sniff(b: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(0, 2) === 'BM') return 'bmp';
  if (ascii(4, 8) === 'ftyp') return 'heif';
  return null;
}

/** libvips messages carry the loader's prefix ("vipspng: ", "VipsJpeg: ", "Input buffer has corrupt header: gifload_buffer: "). */
function cleanMessage(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
  return first.replace(/^Input (buffer|file) has corrupt header:\s*/i, '').replace(/^[a-z_]+:\s*/i, '').trim() || 'unreadable data';
}

export async function decodeImage(bytes: Buffer, file: string): Promise<Decoded> {
  if (bytes.length === 0) throw new DecodeError('empty file');
  const sniffed = sniff(bytes);
  const ext = path.extname(file).toLowerCase();
  const claimed = sniffed ?? EXTENSIONS[ext] ?? null;
  const name = (f: string) => DISPLAY[f] ?? f.toUpperCase();
  const img = loadSharp()(bytes, { pages: 1, failOn: 'error', ignoreIcc: true });
  let meta: Sharp.Metadata;
  try {
    meta = await img.metadata();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // sharp's default limitInputPixels, 0x3FFF² pixels, guards the worker's memory against huge or forged headers
    if (/exceeds pixel limit/i.test(msg)) throw new DecodeError(`too large: over ${Math.floor(0x3fff ** 2 / 1e6)} megapixels`);
    if (/unsupported image format/i.test(msg)) {
      if (claimed === 'bmp') throw new DecodeError('unsupported format: BMP (convert it to PNG)');
      if (sniffed) throw new DecodeError(`corrupt ${name(sniffed)}: the content is not a readable ${name(sniffed)} image`);
      if (claimed) throw new DecodeError(`not an image: named ${ext}, but the content is not ${name(claimed)}`);
      throw new DecodeError('not an image');
    }
    throw new DecodeError(`corrupt ${name(claimed ?? 'image')}: ${cleanMessage(e)}`);
  }
  if (NOT_RASTER.has(meta.format)) throw new DecodeError(`not a raster image (${name(meta.format)})`);
  const decode = () => img.clone().raw().toBuffer({ resolveWithObject: true });
  const corrupt = (e: unknown) => new DecodeError(`corrupt ${name(meta.format)}: ${cleanMessage(e)}`);
  let decoded: { data: Buffer; info: Sharp.OutputInfo };
  try {
    decoded = await decode();
  } catch (e) {
    // libvips keeps one error buffer for all threads: a decode failing while another runs can lose its message
    // ("Unknown error"); a second try usually says what is wrong
    if (!/^unknown error$/i.test(cleanMessage(e))) throw corrupt(e);
    decoded = await decode().catch((again: unknown) => {
      throw corrupt(again);
    });
  }
  const { data, info } = decoded;
  let raster: Raster = { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  // sharp returns grey as sRGB (R = G = B): keep one channel, which is exact and a third of the resizing work
  const grey = meta.space === 'b-w' || meta.space === 'grey16';
  if (grey && (raster.channels === 3 || raster.channels === 4)) raster = keepFirstChannel(raster);
  return { format: meta.format, raster };
}

function keepFirstChannel(r: Raster): Raster {
  const alpha = r.channels === 4;
  const c = alpha ? 2 : 1;
  const n = r.width * r.height;
  const out = new Uint8Array(n * c);
  for (let i = 0; i < n; i++) {
    out[i * c] = r.data[i * r.channels];
    if (alpha) out[i * c + 1] = r.data[i * r.channels + 3];
  }
  return { width: r.width, height: r.height, channels: c, data: out };
}
