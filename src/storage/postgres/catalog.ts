// The collections in an employee's homes (design.md §3): Kontakte, Termine, Aufgaben and one
// read-only calendar per colleague who shares his, named in the employee's language.
import type { Language } from '../../domain/records.js';
import type { Collection, CollectionType, Principal } from '../types.js';
import type { SharedCalendarOwner } from './brokerstar/principals.js';

const NAMES: Record<Exclude<CollectionType, 'shared-events'>, Record<Language, { name: string; description: string }>> = {
  contacts: {
    de: { name: 'Kontakte', description: 'Ihre BrokerStar-Kontakte. Kontakte werden in BrokerStar erfasst und bearbeitet.' },
    fr: { name: 'Contacts', description: 'Vos contacts BrokerStar. Les contacts se créent et se modifient dans BrokerStar.' },
    it: { name: 'Contatti', description: 'I suoi contatti BrokerStar. I contatti si creano e si modificano in BrokerStar.' },
    en: { name: 'Contacts', description: 'Your BrokerStar contacts. Contacts are created and edited in BrokerStar.' },
  },
  events: {
    de: { name: 'Termine', description: 'Ihre BrokerStar-Termine. Neue Termine bitte in BrokerStar erfassen.' },
    fr: { name: 'Rendez-vous', description: 'Vos rendez-vous BrokerStar. Créez les nouveaux rendez-vous dans BrokerStar.' },
    it: { name: 'Appuntamenti', description: 'I suoi appuntamenti BrokerStar. I nuovi appuntamenti si creano in BrokerStar.' },
    en: { name: 'Appointments', description: 'Your BrokerStar appointments. Create new appointments in BrokerStar.' },
  },
  tasks: {
    de: { name: 'Aufgaben', description: 'Ihre BrokerStar-Aufgaben. Zuweisen und Löschen nur in BrokerStar.' },
    fr: { name: 'Tâches', description: 'Vos tâches BrokerStar. Attribution et suppression uniquement dans BrokerStar.' },
    it: { name: 'Attività', description: 'Le sue attività BrokerStar. Assegnazione ed eliminazione solo in BrokerStar.' },
    en: { name: 'Tasks', description: 'Your BrokerStar tasks. Assign and delete them in BrokerStar only.' },
  },
};

const SHARED: Record<Language, { name: (who: string) => string; description: (who: string) => string }> = {
  de: { name: (w) => `Termine von ${w}`, description: (w) => `Kalender von ${w} (nur lesen)` },
  fr: { name: (w) => `Rendez-vous de ${w}`, description: (w) => `Calendrier de ${w} (lecture seule)` },
  it: { name: (w) => `Appuntamenti di ${w}`, description: (w) => `Calendario di ${w} (sola lettura)` },
  en: { name: (w) => `${w}'s appointments`, description: (w) => `${w}'s calendar (read-only)` },
};

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
    displayName: NAMES[type][home.language].name,
    description: NAMES[type][home.language].description,
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
    displayName: SHARED[home.language].name(who),
    description: SHARED[home.language].description(who),
    color: PALETTE[Number(shared.owner.id) % PALETTE.length]!,
    listed: shared.listed,
  };
}
