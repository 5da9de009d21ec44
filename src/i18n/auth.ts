// What a device or browser reads when nobody is signed in: the body of a 401 (no or wrong
// credentials) and of a 429 (the address is locked out after repeated failures). Worded by
// Accept-Language (i18n/negotiate.ts), since no employee is known yet.
import { defineTexts } from './texts.js';

export const AUTH_TEXTS = defineTexts({
  de: {
    unauthorized: 'Anmeldung erforderlich: Ihr BrokerStar-Benutzername und ein App-Passwort.',
    'get-password': 'Ein App-Passwort für Ihr Gerät erhalten Sie unter {url}',
    'too-many-failures': 'Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es später noch einmal.',
  },
  fr: {
    unauthorized: "Authentification requise\u00a0: votre nom d'utilisateur BrokerStar et un mot de passe d'application.",
    'get-password': "Vous obtenez un mot de passe d'application pour votre appareil sur {url}",
    'too-many-failures': 'Trop de connexions échouées. Veuillez réessayer plus tard.',
  },
  it: {
    unauthorized: 'Autenticazione richiesta: il suo nome utente BrokerStar e una password per app.',
    'get-password': 'Può ottenere una password per app per il suo dispositivo su {url}',
    'too-many-failures': 'Troppi accessi non riusciti. Riprovi più tardi.',
  },
  en: {
    unauthorized: 'Authentication required: your BrokerStar username and an app password.',
    'get-password': 'Get an app password for your device at {url}',
    'too-many-failures': 'Too many failed logins; try again later.',
  },
});
