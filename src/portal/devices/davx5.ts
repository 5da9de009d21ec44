// The Android setup: the login URL DAVx5 opens from a QR code or a tapped link, and the QR code.
//
// What DAVx5 accepts, from its source (bitfireAT/davx5-ose):
// - core/src/main/AndroidManifest.xml: ui.setup.LoginActivity has an ACTION_VIEW/BROWSABLE
//   intent filter for the schemes caldav, caldavs, carddav, carddavs and davx5.
// - core/src/main/kotlin/at/bitfire/davdroid/ui/setup/LoginActivity.kt, loginInfoFromIntent:
//   "caldav"/"carddav" become http, "caldavs"/"carddavs"/"davx5" become https; the URI's user
//   info is split at ':' into user name and password (Android's Uri.getUserInfo, so
//   percent-decoded first); host, port, path and query are kept, the fragment dropped.
// - core/src/main/kotlin/at/bitfire/davdroid/ui/setup/StandardLoginTypesProvider.kt: caldavs,
//   carddavs and davx5 open the "URL and user name" login directly with these values filled in
//   (caldav/carddav fill them in too, one screen earlier).
// - core/src/androidTest/.../ui/setup/LoginActivityTest.kt: davx5://user:password@example.com/path
//   gives base URL https://example.com/path, user "user", password "password".
// So the form is davx5://USER:PASSWORD@HOST[:PORT]/PATH for an https server and
// caldav://USER:PASSWORD@HOST[:PORT]/PATH for a plain-http one (the demo).
import QRCode from 'qrcode';
import { parseBase } from './urls.js';

export interface Davx5Login {
  /** The server's public address (PUBLIC_URL). */
  readonly baseUrl: string;
  readonly username: string;
  /** The app password; left out, DAVx5 asks for it. */
  readonly password?: string | undefined;
}

/**
 * The URL that opens DAVx5's login with base URL, user name and (optionally) password filled in.
 * Throws a RangeError when the user name or password holds ':' (DAVx5 splits the user info at
 * the first ':' after decoding, so no encoding can carry one; app passwords never hold one).
 */
export function davx5LoginUrl({ baseUrl, username, password }: Davx5Login): string {
  const { host, port, tls, path } = parseBase(baseUrl);
  if (username.includes(':')) throw new RangeError('a DAVx5 login URL cannot carry a user name with ":"');
  if (password !== undefined && password.includes(':')) throw new RangeError('a DAVx5 login URL cannot carry a password with ":"');
  const scheme = tls ? 'davx5' : 'caldav';
  const defaultPort = tls ? 443 : 80;
  const hostPart = host + (port === defaultPort ? '' : `:${port}`); // an IPv6 host keeps its brackets
  const userInfo = encodeURIComponent(username) + (password === undefined ? '' : `:${encodeURIComponent(password)}`);
  return `${scheme}://${userInfo}@${hostPart}${path}/`;
}

/** The base URL to type into DAVx5 by hand ("Login with URL and user name"). */
export function davx5BaseUrl(baseUrl: string): string {
  return `${parseBase(baseUrl).base}/`;
}

const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

/**
 * The QR code of `text` as an SVG document (dark modules on white, scalable), to put inline in a
 * page. With `label`, the SVG carries role="img" and that aria-label.
 */
export async function qrSvg(text: string, opts: { label?: string } = {}): Promise<string> {
  const svg = await QRCode.toString(text, { ...QR_OPTIONS, type: 'svg' });
  if (opts.label === undefined) return svg;
  const label = opts.label.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return svg.replace(/^<svg\b/, `<svg role="img" aria-label="${label}"`);
}

/** The QR code of `text` as a PNG (8 pixels a module, 4 modules of white margin). */
export async function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { ...QR_OPTIONS, type: 'png', scale: 8 });
}
