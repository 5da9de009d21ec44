// The Thunderbird setup: Thunderbird 115 and later find the calendars ("New Calendar… → On the
// Network → Find Calendars") and the address books ("Add CardDAV Address Book") from one address,
// the server's base URL, through /.well-known/caldav and /.well-known/carddav (which redirect to
// /dav/, where the employee's principal is named; docs/client-setup.md). Each collection's own
// URL subscribes to that one calendar or address book only.
import { absoluteUrl, parseBase } from './urls.js';

export interface ThunderbirdCollection {
  readonly name: string;
  /** The collection's URL: absolute, or a path below the base URL. */
  readonly url: string;
  readonly kind: 'events' | 'tasks' | 'contacts';
}

export interface ThunderbirdSettings {
  /** The one address to enter as "Location" for calendars and address books alike. */
  readonly location: string;
  readonly username: string;
  /** Appointments and task lists (tasks show in Thunderbird's Tasks view), each for a single subscription. */
  readonly calendars: readonly { readonly name: string; readonly url: string }[];
  readonly addressBooks: readonly { readonly name: string; readonly url: string }[];
}

export function thunderbirdSettings(opts: { baseUrl: string; username: string; collections: readonly ThunderbirdCollection[] }): ThunderbirdSettings {
  const location = `${parseBase(opts.baseUrl).base}/`;
  const entry = (c: ThunderbirdCollection) => ({ name: c.name, url: absoluteUrl(opts.baseUrl, c.url) });
  return {
    location,
    username: opts.username,
    calendars: opts.collections.filter((c) => c.kind !== 'contacts').map(entry),
    addressBooks: opts.collections.filter((c) => c.kind === 'contacts').map(entry),
  };
}
