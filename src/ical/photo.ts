// Contact photos downscaled to a small JPEG for the inline vCard PHOTO (RFC 2426 §3.1.4, RFC 6350 §6.2.4).
import sharp from 'sharp';

/** Thrown for bytes that are not a readable image; the contact is then served without a photo. */
export class InvalidPhotoError extends Error {
  override readonly name = 'InvalidPhotoError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

// BrokerStar stores JPEG and PNG; the others are what sharp's prebuilt binaries also decode.
const ACCEPTED = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff']);
/** About 8000 x 6000: larger inputs are refused before decoding, so a bad upload cannot exhaust memory. */
const MAX_INPUT_PIXELS = 50_000_000;
const QUALITY = 80;
const MOZJPEG = sharp.versions.mozjpeg !== undefined;
// Each photo is scaled once and cached in dav.photo: libvips' own operation cache (up to 50 MB by
// default) would only keep the serving process's memory high after a first start or an import.
sharp.cache(false);

/**
 * A JPEG of at most `maxPixels` x `maxPixels` (never enlarged), auto-rotated by its EXIF
 * orientation, PNG alpha flattened onto white, quality 80 (mozjpeg when sharp has it), without
 * EXIF/ICC/XMP. A 400 px portrait is typically 15-40 KB. Throws `InvalidPhotoError` for data sharp
 * cannot decode, a MIME type that is not an image, or a `maxPixels` that is not a positive integer.
 */
export async function downscalePhoto(data: Buffer, mime: string, maxPixels: number): Promise<Buffer> {
  if (!Number.isInteger(maxPixels) || maxPixels < 1) {
    throw new InvalidPhotoError(`maxPixels must be a positive integer, not ${maxPixels}`);
  }
  const type = mime.toLowerCase().split(';')[0]?.trim() ?? '';
  if (!ACCEPTED.has(type)) throw new InvalidPhotoError(`unsupported photo type ${JSON.stringify(mime)}`);
  if (data.length === 0) throw new InvalidPhotoError('empty photo');
  try {
    return await sharp(data, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, animated: false })
      .autoOrient()
      .resize(maxPixels, maxPixels, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: QUALITY, mozjpeg: MOZJPEG })
      .toBuffer();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InvalidPhotoError(`photo cannot be decoded: ${reason}`, { cause });
  }
}
