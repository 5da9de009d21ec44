// Takes exactly the objects our server serves (an initial sync-collection with the data inline, as
// a client would fetch them) so Radicale can be given the same data.
import { ValidationError, expect207 } from './discovery.js';
import { request, type HttpTarget } from './http.js';
import { C, CR, D, okProp, parseMultistatus } from './multistatus.js';

export interface ExportedObject {
  /** Member name (last path segment, decoded), e.g. 1234.vcf. */
  readonly name: string;
  readonly body: string;
}

export interface ExportedCollection {
  readonly slug: string;
  readonly kind: 'addressbook' | 'calendar';
  readonly displayName: string;
  /** 'VEVENT' or 'VTODO' for calendars. */
  readonly component: string | undefined;
  readonly objects: readonly ExportedObject[];
  readonly bytes: number;
}

const syncAll = (kind: 'addressbook' | 'calendar') =>
  `<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/>${
    kind === 'addressbook' ? '<CR:address-data/>' : '<C:calendar-data/>'
  }</D:prop></D:sync-collection>`;

export async function exportCollection(
  t: HttpTarget,
  href: string,
  c: { slug: string; kind: 'addressbook' | 'calendar'; displayName: string; component?: string },
): Promise<ExportedCollection> {
  const dataProp = c.kind === 'addressbook' ? CR('address-data') : C('calendar-data');
  const r = await request(t, 'REPORT', href, { headers: { Depth: '1' }, body: syncAll(c.kind) });
  expect207(r, `export ${href}`);
  const ms = parseMultistatus(r.body, new Set([dataProp]));
  const objects: ExportedObject[] = [];
  for (const resp of ms.responses) {
    const data = okProp(resp, dataProp);
    if (!data || !okProp(resp, D('getetag'))) throw new ValidationError(`export ${href}: ${resp.href} came without data or ETag`);
    const name = decodeURIComponent(resp.href.split('/').filter(Boolean).pop() ?? '');
    if (!/^[A-Za-z0-9._-]+\.(vcf|ics)$/.test(name)) throw new ValidationError(`export ${href}: unexpected member name ${name}`);
    objects.push({ name, body: data.text });
  }
  return { slug: c.slug, kind: c.kind, displayName: c.displayName, component: c.component, objects, bytes: r.body.length };
}
