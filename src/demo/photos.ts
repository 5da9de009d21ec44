// Contact photos for the demo data: small avatars (JPEG, PNG logos) and large 1–3 MB camera-like JPEGs.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import type { Random } from './random.js';

export type PhotoMime = 'image/jpeg' | 'image/png';

export interface Photo {
  readonly mimeType: PhotoMime;
  readonly data: Buffer;
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Text in SVG goes through fontconfig; without its configuration (a slim container) librsvg prints
// "Fontconfig error" on every photo. The initials are decoration: leave them out there.
const CAN_DRAW_TEXT = existsSync(process.env.FONTCONFIG_FILE ?? '/etc/fonts/fonts.conf');

function avatarSvg(size: number, initials: string, hue: number, person: boolean, transparent: boolean): string {
  const c1 = hslToHex(hue, 0.55, 0.55);
  const c2 = hslToHex((hue + 40) % 360, 0.6, 0.33);
  const s = size / 600;
  const shape = person
    ? `<circle cx="${300 * s}" cy="${215 * s}" r="${105 * s}" fill="#ffffff" fill-opacity="0.22"/>
       <ellipse cx="${300 * s}" cy="${575 * s}" rx="${215 * s}" ry="${180 * s}" fill="#ffffff" fill-opacity="0.22"/>`
    : `<rect x="${90 * s}" y="${90 * s}" width="${420 * s}" height="${420 * s}" rx="${60 * s}" fill="#ffffff" fill-opacity="0.18"/>`;
  const background = transparent
    ? `<circle cx="${300 * s}" cy="${300 * s}" r="${290 * s}" fill="url(#g)"/>`
    : `<rect width="${size}" height="${size}" fill="url(#g)"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${c1}"/><stop offset="1" stop-color="${c2}"/></linearGradient></defs>
  ${background}
  ${shape}
  ${CAN_DRAW_TEXT ? `<text x="${300 * s}" y="${372 * s}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${190 * s}" font-weight="bold" fill="#ffffff" text-anchor="middle">${escapeXml(initials)}</text>` : ''}
</svg>`;
}

/** A 600×600 JPEG avatar: coloured gradient, a head-and-shoulders silhouette and the initials. */
export async function smallAvatar(initials: string, hue: number, size = 600): Promise<Photo> {
  const data = await sharp(Buffer.from(avatarSvg(size, initials, hue, true, false)))
    .jpeg({ quality: 82 })
    .toBuffer();
  return { mimeType: 'image/jpeg', data };
}

/** A 400×400 company logo: a PNG with a transparent background, or a JPEG on a square. */
export async function smallLogo(initials: string, hue: number, format: 'png' | 'jpeg' = 'png', size = 400): Promise<Photo> {
  const svg = sharp(Buffer.from(avatarSvg(size, initials, hue, false, format === 'png')));
  if (format === 'jpeg') return { mimeType: 'image/jpeg', data: await svg.jpeg({ quality: 85 }).toBuffer() };
  return { mimeType: 'image/png', data: await svg.png({ compressionLevel: 9 }).toBuffer() };
}

/**
 * A camera-sized JPEG (2000–3000 px) of 1–3 MB: a gradient portrait with fine sensor-like noise,
 * which is what makes real photos that large. The noise comes from the seeded generator; the
 * avatar is drawn small and blended in here (sharp's composite at this size is much slower).
 */
export async function largePhoto(rng: Random, index: number): Promise<Photo> {
  const sizes: readonly [number, number][] = [
    [2400, 3000],
    [3000, 2000],
    [2448, 2448],
    [2000, 2667],
    [2800, 2100],
    [2200, 2933],
  ];
  const [width, height] = sizes[index % sizes.length] as [number, number];
  const hue = rng.int(0, 359);
  const ov = 600;
  const overlay = await sharp(Buffer.from(avatarSvg(ov, String.fromCharCode(65 + (index % 26)), hue, true, true)))
    .ensureAlpha()
    .raw()
    .toBuffer();
  const side = Math.min(width, height);
  const left = (width - side) >> 1;
  const top = (height - side) >> 1;
  const [r1, g1, b1] = hexRgb(hslToHex(hue, 0.45, 0.6));
  const [r2, g2, b2] = hexRgb(hslToHex((hue + 50) % 360, 0.5, 0.3));
  // Different grain per variant: file sizes spread over roughly 1.2–2.2 MB.
  const amplitude = ([26, 36, 28, 36, 28, 40] as const)[index % 6] as number;
  const chroma = amplitude >> 1;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const oy = Math.floor(((y - top) * ov) / side);
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const v = rng.uint32();
      const n = (((v & 0xff) * amplitude) >> 8) - (amplitude >> 1);
      const c = ((((v >>> 8) & 0xff) * chroma) >> 8) - (chroma >> 1);
      let r = r1 + (r2 - r1) * t;
      let g = g1 + (g2 - g1) * t;
      let b = b1 + (b2 - b1) * t;
      const ox = Math.floor(((x - left) * ov) / side);
      if (ox >= 0 && ox < ov && oy >= 0 && oy < ov) {
        const o = (oy * ov + ox) * 4;
        const alpha = ((overlay[o + 3] as number) / 255) * 0.45;
        r += ((overlay[o] as number) - r) * alpha;
        g += ((overlay[o + 1] as number) - g) * alpha;
        b += ((overlay[o + 2] as number) - b) * alpha;
      }
      const i = (y * width + x) * 3;
      raw[i] = clamp(r + n + c);
      raw[i + 1] = clamp(g + n);
      raw[i + 2] = clamp(b + n - c);
    }
  }
  const data = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { mimeType: 'image/jpeg', data };
}

function hexRgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/**
 * The same JPEG with a comment segment (COM) after the start-of-image marker: decodes to the same
 * picture but is a different file, so reused large images still look like distinct uploads.
 */
export function withJpegComment(jpeg: Buffer, comment: string): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const text = Buffer.from(comment, 'latin1');
  const header = Buffer.alloc(4);
  header[0] = 0xff;
  header[1] = 0xfe;
  header.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, text, jpeg.subarray(2)]);
}
