// A browser-like client of the setup portal over real HTTP: it keeps cookies (by name, as the
// server sets them for /setup), follows nothing by itself, and reads the CSRF field of a page.

export interface PortalReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Buffer;
}

export class PortalClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly defaults: { acceptLanguage?: string } = {},
  ) {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keepCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /;\s*Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, opts: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PortalReply> {
    const headers: Record<string, string> = { ...opts.headers };
    const cookie = this.cookieHeader();
    if (cookie) headers.Cookie = cookie;
    if (this.defaults.acceptLanguage && !headers['Accept-Language']) headers['Accept-Language'] = this.defaults.acceptLanguage;
    let body: string | undefined;
    if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    this.keepCookies(res.headers);
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, text: buf.toString('utf8'), body: buf };
  }

  get(path: string): Promise<PortalReply> {
    return this.request('GET', path);
  }

  /** POSTs a form; `_csrf` is taken from `page` unless the form gives one. */
  post(path: string, form: Record<string, string>, page?: PortalReply): Promise<PortalReply> {
    const csrf = page ? csrfOf(page.text) : undefined;
    return this.request('POST', path, { form: { ...(csrf !== undefined ? { _csrf: csrf } : {}), ...form } });
  }
}

/** The value of the first hidden _csrf field of a page. */
export function csrfOf(html: string): string {
  const m = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF field on the page');
  return m[1];
}

/** The text of the element with class "secret" (the app password shown once). */
export function shownPassword(html: string): string {
  const m = /<span class="secret"[^>]*>([^<]+)<\/span>/.exec(html);
  if (!m?.[1]) throw new Error('no password on the page');
  return m[1];
}

/** Device ids in the revoke forms of "My devices", in order. */
export function deviceIds(html: string): string[] {
  return [...html.matchAll(/action="\/setup\/devices\/(\d+)\/revoke"/g)].map((m) => m[1]!);
}
