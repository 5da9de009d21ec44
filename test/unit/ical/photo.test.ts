import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidPhotoError, downscalePhoto } from '../../../src/ical/photo.js';

/** A 3000 x 2000 photo-like JPEG (about 1.5 MB): gradients, shapes and texture, with EXIF. */
async function bigJpeg(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="3000" height="2000">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3a7bd5"/><stop offset="1" stop-color="#f0e6d2"/></linearGradient></defs>
    <rect width="3000" height="2000" fill="url(#sky)"/>
    <circle cx="1500" cy="900" r="520" fill="#e0b090"/>
    <rect x="900" y="1350" width="1200" height="650" fill="#2d3e50"/>
    <circle cx="1320" cy="820" r="60" fill="#333"/><circle cx="1680" cy="820" r="60" fill="#333"/>
  </svg>`;
  const base = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // Texture at a scale that survives the downscale (pixel-level noise would average out to grey).
  const noise = await sharp({ create: { width: 375, height: 250, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
    .resize(3000, 2000, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  const pixels = Buffer.from(base.data);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, (pixels[i] ?? 0) + (noise[i] ?? 128) - 128));
  return sharp(pixels, { raw: { width: 3000, height: 2000, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { Copyright: 'BrokerStar test', Artist: 'Kamera' } })
    .toBuffer();
}

/** An 800 x 800 PNG: fully transparent except an opaque red disc in the middle. */
async function transparentPng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><circle cx="400" cy="400" r="200" fill="#d00000"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function pixel(jpeg: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1];
}

describe('downscalePhoto', () => {
  let jpeg: Buffer;
  let png: Buffer;
  beforeAll(async () => {
    [jpeg, png] = await Promise.all([bigJpeg(), transparentPng()]);
  });

  it('turns a 3000 x 2000 JPEG into a metadata-free JPEG of 400 x 267 under 60 KB', async () => {
    const inputMeta = await sharp(jpeg).metadata();
    expect([inputMeta.width, inputMeta.height, inputMeta.format]).toEqual([3000, 2000, 'jpeg']);
    expect(inputMeta.exif).toBeDefined();

    const out = await downscalePhoto(jpeg, 'image/jpeg', 400);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([400, 267]);
    expect(out.length).toBeLessThan(60 * 1024);
    expect(out.length).toBeGreaterThan(8 * 1024); // detail kept, not crushed
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
  });

  it('flattens PNG transparency onto white and keeps the opaque part', async () => {
    const out = await downscalePhoto(png, 'image/png', 400);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([400, 400]);
    expect(meta.hasAlpha).toBe(false);
    expect(out.length).toBeLessThan(60 * 1024);
    const corner = await pixel(out, 5, 5);
    const centre = await pixel(out, 200, 200);
    for (const v of corner) expect(v).toBeGreaterThan(245);
    expect(centre[0]).toBeGreaterThan(180);
    expect(centre[1]).toBeLessThan(60);
    expect(centre[2]).toBeLessThan(60);
  });

  it('rotates by EXIF orientation and never enlarges', async () => {
    // 300 x 200 stored, orientation 6 (rotate 90° clockwise to display) → shown as 200 x 300.
    const stored = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
      .composite([{ input: { create: { width: 150, height: 200, channels: 3, background: '#000000' } }, left: 0, top: 0 }])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const out = await downscalePhoto(stored, 'image/jpeg', 400);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([200, 300]);
    expect(meta.orientation).toBeUndefined();
    // The dark left half of the stored image is the top half once rotated clockwise.
    expect((await pixel(out, 100, 40))[0]).toBeLessThan(40);
    expect((await pixel(out, 100, 260))[0]).toBeGreaterThan(100);
  });

  it.each([
    ['random bytes', Buffer.from('definitely not an image, just text'), 'image/jpeg'],
    ['an empty buffer', Buffer.alloc(0), 'image/jpeg'],
    ['a PDF', Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'application/pdf'],
  ])('throws InvalidPhotoError for %s', async (_name, data, mime) => {
    await expect(downscalePhoto(data, mime, 400)).rejects.toBeInstanceOf(InvalidPhotoError);
  });

  it('throws InvalidPhotoError for a truncated JPEG', async () => {
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 3));
    const error = await downscalePhoto(truncated, 'image/jpeg', 400).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPhotoError);
    expect((error as InvalidPhotoError).name).toBe('InvalidPhotoError');
    expect((error as InvalidPhotoError).cause).toBeDefined();
  });

  it('refuses a size that is not a positive integer', async () => {
    await expect(downscalePhoto(png, 'image/png', 0)).rejects.toBeInstanceOf(InvalidPhotoError);
  });
});
