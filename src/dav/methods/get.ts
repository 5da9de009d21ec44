// GET and HEAD (RFC 4918 §9.4, RFC 7232): items with ETag, Last-Modified and Content-Length and
// 304 on If-None-Match / If-Modified-Since; a calendar as one .ics (subscriptions) and the address
// book as one .vcf; a small page for the homes, in the employee's language.
import { createHash } from 'node:crypto';
import { CALENDAR_END, calendarHead, splitCalendar } from '../../ical/merge.js';
import { ClientGoneError, clientGone, writeChunk } from '../../http/stream-writes.js';
import { ROOT_PAGE_TEXTS } from '../../i18n/root-page.js';
import { translate } from '../../i18n/texts.js';
import { isAddressBook, type Collection, type ObjectOptions } from '../../storage/types.js';
import type { DavContext } from '../context.js';
import { notFound } from '../dav-error.js';
import { propertySourcesOf } from '../property-sources.js';
import { resolvePath, userCollections } from '../resolve.js';
import { href, type Resource } from '../resources.js';
import type { MethodHandler } from './types.js';

/** RFC 7232 §3.2 / §3.3: true when the client's copy is current. */
export function notModified(ctx: Pick<DavContext, 'req'>, etag: string, lastModified: Date | undefined): boolean {
  const inm = ctx.req.headers['if-none-match'];
  if (inm !== undefined) {
    const tags = inm.split(',').map((t) => t.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const ims = ctx.req.headers['if-modified-since'];
  if (ims && lastModified) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) return Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

function wantsVcard4(ctx: DavContext): boolean {
  return /text\/vcard\s*;[^,]*version\s*=\s*"?4\.0/i.test(String(ctx.req.headers.accept ?? ''));
}

function send(ctx: DavContext, status: number, headers: Record<string, string>, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  ctx.res.status(status).set(headers).set('Content-Length', String(bytes.length));
  // HEAD too hands over the body (Node never sends it): a coded answer's Content-Length is then the same.
  ctx.res.end(bytes);
}

async function getObject(ctx: DavContext, c: Collection, name: string, kind: 'calendar-object' | 'address-object'): Promise<void> {
  // Up to date with BrokerStar first: a member is read from the collection's member list.
  await propertySourcesOf(ctx).refreshState(c);
  const vcard4 = kind === 'address-object' && wantsVcard4(ctx);
  const object = (await ctx.store.getObjects(c, [name], { withBody: true, vcardVersion: vcard4 ? '4.0' : '3.0' })).get(name);
  if (!object || object.body === undefined) throw notFound();
  const headers = {
    ETag: object.etag,
    'Last-Modified': object.lastModified.toUTCString(),
    'Content-Type':
      kind === 'address-object'
        ? `text/vcard; charset=utf-8${vcard4 ? '; version=4.0' : ''}`
        : `text/calendar; charset=utf-8; component=${c.type === 'tasks' ? 'VTODO' : 'VEVENT'}`,
    'Cache-Control': 'private, no-cache',
  };
  if (notModified(ctx, object.etag, object.lastModified)) {
    ctx.res.status(304).set(headers).end();
    return;
  }
  send(ctx, 200, headers, object.body);
}

async function getCollection(ctx: DavContext, c: Collection): Promise<void> {
  const state = await propertySourcesOf(ctx).refreshState(c);
  const etag = `"${createHash('sha256').update(state.syncToken).digest('base64url').slice(0, 27)}"`;
  const isBook = isAddressBook(c.type);
  const filename = `${c.slug}.${isBook ? 'vcf' : 'ics'}`;
  const headers = {
    ETag: etag,
    'Content-Type': isBook ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8',
    'Content-Disposition': `inline; filename="${filename}"`,
    'Cache-Control': 'private, no-cache',
  };
  if (notModified(ctx, etag, undefined)) {
    ctx.res.status(304).set(headers).end();
    return;
  }
  // Streamed (chunked, unless it fits one write): a 5,000-card address book never sits in memory.
  ctx.res.status(200).set(headers);
  const out = ctx.req.method === 'HEAD' ? countingWriter(ctx) : batchedWriter(ctx);
  if (isBook) await streamAddressBook(out, ctx, c);
  else await streamCalendar(out, ctx, c);
}

/** What a calendar or address book export needs of a request: the store, and the answer it writes. */
export type ExportTarget = Pick<DavContext, 'store' | 'req' | 'res'>;

export interface ExportWriter {
  add(text: string): Promise<void>;
  end(text?: string): void;
}

/** Writes in batches of about this many characters: few syscalls, little memory. */
const BATCH = 32_768;

/** HEAD: the same export, only counted, so HEAD carries the Content-Length a GET of the same state has. */
export function countingWriter(ctx: ExportTarget): ExportWriter {
  let bytes = 0;
  return {
    async add(text) {
      bytes += Buffer.byteLength(text, 'utf8');
    },
    end(text = '') {
      bytes += Buffer.byteLength(text, 'utf8');
      ctx.res.set('Content-Length', String(bytes)).end();
    },
  };
}

/** Collects text and writes it in batches with backpressure; throws once the client is gone. */
export function batchedWriter(ctx: ExportTarget): ExportWriter {
  let batch = '';
  return {
    async add(text: string): Promise<void> {
      batch += text;
      if (batch.length < BATCH) return;
      const chunk = batch;
      batch = '';
      await writeChunk(ctx.res, chunk);
    },
    end(text = ''): void {
      if (clientGone(ctx.res)) throw new ClientGoneError();
      ctx.res.end(batch + text);
    },
  };
}

async function streamAddressBook(out: ExportWriter, ctx: DavContext, c: Collection): Promise<void> {
  for await (const o of ctx.store.listObjects(c, { withBody: true })) if (o.body) await out.add(o.body);
  out.end();
}

/**
 * The VTIMEZONEs come first, so the bodies are read twice: once for the zones (kept, a handful),
 * once streaming the components. A zone first seen in the second pass (a member added meanwhile)
 * is written where it appears.
 */
export async function streamCalendar(out: ExportWriter, ctx: ExportTarget, c: Collection, opts: Pick<ObjectOptions, 'privateAsBusy'> = {}): Promise<void> {
  const zones = new Map<string, string>();
  for await (const o of ctx.store.listObjects(c, { ...opts, withBody: true })) {
    if (clientGone(ctx.res)) throw new ClientGoneError();
    if (o.body) for (const [tzid, text] of splitCalendar(o.body).timezones) if (!zones.has(tzid)) zones.set(tzid, text);
  }
  await out.add(calendarHead(c.displayName));
  for (const text of zones.values()) await out.add(`${text}\r\n`);
  for await (const o of ctx.store.listObjects(c, { ...opts, withBody: true })) {
    if (!o.body) continue;
    const parts = splitCalendar(o.body);
    for (const [tzid, text] of parts.timezones) {
      if (zones.has(tzid)) continue;
      zones.set(tzid, text);
      await out.add(`${text}\r\n`);
    }
    for (const component of parts.components) await out.add(`${component}\r\n`);
  }
  out.end(CALENDAR_END);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] ?? ch);
}

/** A plain page for people who open the server in a browser: which URLs to enter where, in their language. */
async function infoPage(ctx: DavContext): Promise<void> {
  const collections = await userCollections(ctx);
  const origin = `${ctx.req.protocol}://${ctx.req.get('host') ?? 'localhost'}`;
  const t = (key: keyof (typeof ROOT_PAGE_TEXTS)['de'], params?: Record<string, string>) => escapeHtml(translate(ROOT_PAGE_TEXTS, ctx.lang, key, params));
  const rows = collections
    .map((c) => `<li>${escapeHtml(c.displayName)}: <code>${escapeHtml(origin + href.collection(c))}</code></li>`)
    .join('\n');
  const setup = ctx.config.setupPortal
    ? `<p><a href="${escapeHtml(`${ctx.config.publicUrl ?? ''}/setup/`)}">${t('setup-link')}</a></p>\n`
    : '';
  const html = `<!doctype html><html lang="${ctx.lang}"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>BrokerStar DAV</title>
<h1>BrokerStar DAV</h1><p>${t('signed-in-as', { name: ctx.user.displayName, username: ctx.user.username })}</p>
${setup}<p>${t('server-url')} <code>${escapeHtml(origin)}/</code></p><p>${t('collections')}</p><ul>${rows}</ul></html>\n`;
  send(ctx, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, html);
}

export async function getResource(ctx: DavContext, r: Resource): Promise<void> {
  switch (r.kind) {
    case 'calendar-object':
    case 'address-object':
      return getObject(ctx, r.collection, r.name, r.kind);
    case 'calendar':
    case 'addressbook':
      return getCollection(ctx, r.collection);
    default:
      return infoPage(ctx);
  }
}

export const get: MethodHandler = {
  method: 'GET',
  allowed: { privilege: 'read', on: 'any' },
  async handle(ctx) {
    await getResource(ctx, await resolvePath(ctx, ctx.path));
  },
};

export const head: MethodHandler = { ...get, method: 'HEAD' };
