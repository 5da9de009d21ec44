// The plain page a signed-in employee sees when he opens the server (or a home) in a browser
// (dav/methods/get.ts): which address to enter where, in his BrokerStar language.
import { defineTexts } from './texts.js';

export const ROOT_PAGE_TEXTS = defineTexts({
  de: {
    'signed-in-as': 'Angemeldet als {name} ({username}).',
    'server-url': 'Server-URL für alle Programme:',
    collections: 'Adresse jeder Sammlung:',
    'setup-link': 'Geräte einrichten',
  },
  fr: {
    'signed-in-as': 'Connecté en tant que {name} ({username}).',
    'server-url': 'Adresse du serveur pour tous les programmes\u00a0:',
    collections: 'Adresse de chaque collection\u00a0:',
    'setup-link': 'Configurer vos appareils',
  },
  it: {
    'signed-in-as': 'Accesso effettuato come {name} ({username}).',
    'server-url': 'Indirizzo del server per tutti i programmi:',
    collections: 'Indirizzo di ogni raccolta:',
    'setup-link': 'Configurare i suoi dispositivi',
  },
  en: {
    'signed-in-as': 'Signed in as {name} ({username}).',
    'server-url': 'Server URL for every program:',
    collections: 'Address of each collection:',
    'setup-link': 'Set up your devices',
  },
});
