// The names and descriptions of an employee's collections (storage/postgres/catalog.ts) and of his
// two homes (dav/properties/webdav.ts), in his BrokerStar language: Kontakte, Termine, Aufgaben,
// Meine Kunden, Geburtstage, a colleague's calendar. URLs never change
// with the language (the slugs are fixed); only what the client shows does.
import { fill, type Language, defineTexts } from './texts.js';

export const COLLECTION_TEXTS = defineTexts({
  de: {
    'contacts-name': 'Kontakte',
    'contacts-description': 'Ihre BrokerStar-Kontakte. Kontakte werden in BrokerStar erfasst und bearbeitet.',
    'events-name': 'Termine',
    'events-description': 'Ihre BrokerStar-Termine. Neue Termine bitte in BrokerStar erfassen.',
    'tasks-name': 'Aufgaben',
    'tasks-description': 'Ihre BrokerStar-Aufgaben. Zuweisen und Löschen nur in BrokerStar.',
    'my-customers-name': 'Meine Kunden',
    'my-customers-description': 'Die Kontakte, die Sie betreuen, und Ihre Favoriten aus BrokerStar.',
    'birthdays-name': 'Geburtstage',
    'birthdays-description': 'Geburtstage Ihrer BrokerStar-Kontakte (nur lesen). Geburtsdaten werden in BrokerStar erfasst.',
    'shared-name': 'Termine von {name}',
    'shared-description': 'Kalender von {name} (nur lesen)',
    'calendar-home-name': 'Kalender',
    'addressbook-home-name': 'Adressbücher',
  },
  fr: {
    'contacts-name': 'Contacts',
    'contacts-description': 'Vos contacts BrokerStar. Les contacts se créent et se modifient dans BrokerStar.',
    'events-name': 'Rendez-vous',
    'events-description': 'Vos rendez-vous BrokerStar. Créez les nouveaux rendez-vous dans BrokerStar.',
    'tasks-name': 'Tâches',
    'tasks-description': 'Vos tâches BrokerStar. Attribution et suppression uniquement dans BrokerStar.',
    'my-customers-name': 'Mes clients',
    'my-customers-description': 'Les contacts dont vous êtes le conseiller et vos favoris dans BrokerStar.',
    'birthdays-name': 'Anniversaires',
    'birthdays-description': 'Anniversaires de vos contacts BrokerStar (lecture seule). Les dates de naissance se saisissent dans BrokerStar.',
    // "de" before a name becomes "d'" where the name starts with a vowel (collectionText).
    'shared-name': 'Rendez-vous de {name}',
    'shared-description': 'Calendrier de {name} (lecture seule)',
    'calendar-home-name': 'Calendriers',
    'addressbook-home-name': "Carnets d'adresses",
  },
  it: {
    'contacts-name': 'Contatti',
    'contacts-description': 'I suoi contatti BrokerStar. I contatti si creano e si modificano in BrokerStar.',
    'events-name': 'Appuntamenti',
    'events-description': 'I suoi appuntamenti BrokerStar. I nuovi appuntamenti si creano in BrokerStar.',
    'tasks-name': 'Attività',
    'tasks-description': 'Le sue attività BrokerStar. Assegnazione ed eliminazione solo in BrokerStar.',
    'my-customers-name': 'I miei clienti',
    'my-customers-description': 'I contatti di cui è consulente e i suoi preferiti in BrokerStar.',
    'birthdays-name': 'Compleanni',
    'birthdays-description': 'Compleanni dei suoi contatti BrokerStar (sola lettura). Le date di nascita si inseriscono in BrokerStar.',
    'shared-name': 'Appuntamenti di {name}',
    'shared-description': 'Calendario di {name} (sola lettura)',
    'calendar-home-name': 'Calendari',
    'addressbook-home-name': 'Rubriche',
  },
  en: {
    'contacts-name': 'Contacts',
    'contacts-description': 'Your BrokerStar contacts. Contacts are created and edited in BrokerStar.',
    'events-name': 'Appointments',
    'events-description': 'Your BrokerStar appointments. Create new appointments in BrokerStar.',
    'tasks-name': 'Tasks',
    'tasks-description': 'Your BrokerStar tasks. Assign and delete them in BrokerStar only.',
    'my-customers-name': 'My customers',
    'my-customers-description': 'The contacts you advise and your favourites in BrokerStar.',
    'birthdays-name': 'Birthdays',
    'birthdays-description': "Your BrokerStar contacts' birthdays (read-only). Dates of birth are entered in BrokerStar.",
    'shared-name': "{name}'s appointments",
    'shared-description': "{name}'s calendar (read-only)",
    'calendar-home-name': 'Calendars',
    'addressbook-home-name': 'Address books',
  },
});

export type CollectionTextKey = keyof (typeof COLLECTION_TEXTS)['de'];

/**
 * French elides "de" before a vowel: "Rendez-vous d'Anna Meier", "Calendrier d'Yves Rochat", but
 * "Rendez-vous de Beat Keller". An initial h is not elided: most colleagues' names with one are
 * German (Hans, Heinz), whose h is aspirated.
 */
const STARTS_WITH_VOWEL = /^[aeiouyàâäæéèêëîïôöœùûüÿ]/i;

/** Applies French elision to "de {placeholder}" for the value the placeholder will get. */
export function elided(lang: Language, template: string, params: Readonly<Record<string, string>>): string {
  if (lang !== 'fr') return template;
  return template.replace(/\b([Dd])e \{([a-zA-Z][a-zA-Z0-9]*)\}/g, (whole, d: string, name: string) =>
    STARTS_WITH_VOWEL.test(params[name]?.trim() ?? '') ? `${d}'{${name}}` : whole,
  );
}

/** A collection's name or description in `lang`, placeholders filled, French elision applied. */
export function collectionText(lang: Language, key: CollectionTextKey, params: Readonly<Record<string, string>> = {}): string {
  return fill(elided(lang, COLLECTION_TEXTS[lang][key], params), params);
}
