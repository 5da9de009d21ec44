// The collections in an employee's homes (design.md §3): Kontakte, Termine, Aufgaben, Meine Kunden
// and Geburtstage (each unless switched off), and one read-only calendar per colleague who shares
// his, named in the employee's language (i18n/collections.ts).
import { collectionText } from '../../i18n/collections.js';
import type { Collection, Principal } from '../types.js';
import type { SharedCalendarOwner } from './brokerstar/principals.js';

// Apple's calendar-color format (#RRGGBBAA); colleagues' calendars cycle through a palette.
const COLORS = {
  contacts: '#1565C0FF',
  'my-customers': '#00838FFF',
  events: '#1E88E5FF',
  tasks: '#43A047FF',
  birthdays: '#E53935FF',
} as const;
const PALETTE = ['#8E24AAFF', '#F4511EFF', '#00897BFF', '#C0CA33FF', '#6D4C41FF', '#3949ABFF', '#D81B60FF', '#FB8C00FF'];

/** Stable path segments (never translated, so URLs survive a language change). */
export const SLUGS = {
  contacts: 'kontakte',
  'my-customers': 'meine-kunden',
  events: 'termine',
  tasks: 'aufgaben',
  birthdays: 'geburtstage',
} as const;

/** Which of the optional collections the server offers (BIRTHDAY_CALENDAR, MY_CUSTOMERS_BOOK). */
export interface CatalogSettings {
  readonly birthdayCalendar: 'all' | 'mine' | 'off';
  readonly myCustomersBook: boolean;
}

type OwnType = keyof typeof SLUGS;

function ownTypes(s: CatalogSettings): OwnType[] {
  return [
    'contacts',
    ...(s.myCustomersBook ? (['my-customers'] as const) : []),
    'events',
    'tasks',
    ...(s.birthdayCalendar !== 'off' ? (['birthdays'] as const) : []),
  ];
}
export const sharedSlug = (owner: Principal) => `termine-${owner.username}`;

export function ownCollections(home: Principal, settings: CatalogSettings): Collection[] {
  return ownTypes(settings).map((type) => ({
    key: `${type}:${home.id}`,
    type,
    home,
    owner: home,
    slug: SLUGS[type],
    displayName: collectionText(home.language, `${type}-name`),
    description: collectionText(home.language, `${type}-description`),
    color: COLORS[type],
    listed: true,
  }));
}

export function sharedCollection(home: Principal, shared: SharedCalendarOwner): Collection {
  const who = shared.owner.displayName;
  return {
    key: `shared:${home.id}:${shared.owner.id}`,
    type: 'shared-events',
    home,
    owner: shared.owner,
    slug: sharedSlug(shared.owner),
    displayName: collectionText(home.language, 'shared-name', { name: who }),
    description: collectionText(home.language, 'shared-description', { name: who }),
    color: PALETTE[Number(shared.owner.id) % PALETTE.length]!,
    listed: shared.listed,
  };
}
