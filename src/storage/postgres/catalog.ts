// The collections in an employee's homes (design.md §3): Kontakte, Termine, Aufgaben and one
// read-only calendar per colleague who shares his, named in the employee's language (i18n/collections.ts).
import { collectionText } from '../../i18n/collections.js';
import type { Collection, Principal } from '../types.js';
import type { SharedCalendarOwner } from './brokerstar/principals.js';

// Apple's calendar-color format (#RRGGBBAA); colleagues' calendars cycle through a palette.
const COLORS = { contacts: '#1565C0FF', events: '#1E88E5FF', tasks: '#43A047FF' } as const;
const PALETTE = ['#8E24AAFF', '#F4511EFF', '#00897BFF', '#C0CA33FF', '#6D4C41FF', '#3949ABFF', '#D81B60FF', '#FB8C00FF'];

/** Stable path segments (never translated, so URLs survive a language change). */
export const SLUGS = { contacts: 'kontakte', events: 'termine', tasks: 'aufgaben' } as const;
export const sharedSlug = (owner: Principal) => `termine-${owner.username}`;

export function ownCollections(home: Principal): Collection[] {
  return (['contacts', 'events', 'tasks'] as const).map((type) => ({
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
