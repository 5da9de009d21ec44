// The server's public address as the device setups need it: PUBLIC_URL (or the request's own
// address) parsed once, and paths below it made absolute. Pure: no HTTP, no database.

export interface BaseAddress {
  /** The base URL without a trailing slash, e.g. https://dav.firm.ch or https://firm.ch/dav-server */
  readonly base: string;
  readonly host: string;
  /** The port clients connect to: the URL's own, else 443 for https and 80 for http. */
  readonly port: number;
  readonly tls: boolean;
  /** The base URL's path without a trailing slash ('' at the root). */
  readonly path: string;
}

/** Parses an http(s) base URL; anything else is a configuration error, thrown as a TypeError. */
export function parseBase(baseUrl: string): BaseAddress {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`not an http(s) URL: ${JSON.stringify(baseUrl)}`);
  if (url.username || url.password || url.search || url.hash) throw new TypeError('the base URL must not carry credentials, a query or a fragment');
  const tls = url.protocol === 'https:';
  const path = url.pathname.replace(/\/+$/, '');
  return {
    base: `${url.protocol}//${url.host}${path}`,
    host: url.hostname,
    port: url.port ? Number(url.port) : tls ? 443 : 80,
    tls,
    path,
  };
}

/**
 * An absolute URL for `pathOrUrl`: an absolute http(s) URL stays as it is; a path is put below the
 * base URL (its leading slash optional), so a base URL with a path prefix keeps it.
 */
export function absoluteUrl(baseUrl: string, pathOrUrl: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  const { base } = parseBase(baseUrl);
  return `${base}/${pathOrUrl.replace(/^\/+/, '')}`;
}
