// The texts of the device setups (src/portal/devices/): the names of the accounts an iPhone
// profile creates, and the settings of the Outlook add-in CalDav Synchronizer.
//
// The Outlook labels and values are the add-in's own texts in each language, as its resources
// have them (aluxnimm/outlookcaldavsynchronizer, CalDavSynchronizer/Globalization/
// StringResources.{de-DE,fr-FR,it-IT}.resx; the English originals in
// CalDavSynchronizer/Ui/Options/EnumDisplayNameProvider.cs and Ui/Options/Views/*.xaml), without
// the trailing colon. Its French "Outlook  ←  Serveur (copie)" has two spaces around the arrow;
// one is written here (HTML shows one either way). The add-in shows English until its language
// is changed in its general options, so outlook.ts also hands out the English text of each row.
import { defineTexts } from './texts.js';

export const DEVICE_TEXTS = defineTexts({
  de: {
    profileDescription: 'Kalender, Aufgaben und Kontakte von {firm} für {user}.',
    caldavAccount: '{firm} – Kalender und Aufgaben',
    carddavAccount: '{firm} – Kontakte',

    outlookName: 'Name',
    outlookProfileType: 'Profiltyp',
    outlookOutlookFolder: 'Outlook Ordner',
    outlookDavUrl: 'DAV URL',
    outlookUsername: 'Username',
    outlookSyncMode: 'Synchronisationsmodus',
    outlookConflictResolution: 'Konfliktverarbeitung',
    outlookSyncInterval: 'Synchronisationsintervall (in Minuten)',
    outlookGeneric: 'Generisches Profil',
    outlookReplicateServerIntoOutlook: 'Outlook ← Server (Replizieren)',
    outlookMergeInBothDirections: 'Outlook ←→ Server (Zwei-Wege)',
    outlookServerWins: 'Server gewinnt',
    outlookFolderEvents: 'Kalenderordner «{name}»',
    outlookFolderTasks: 'Aufgabenordner «{name}»',
    outlookFolderContacts: 'Kontaktordner «{name}»',
    outlookKindEvents: 'Kalender',
    outlookKindTasks: 'Aufgaben',
    outlookKindContacts: 'Kontakte',
  },
  fr: {
    profileDescription: 'Calendrier, tâches et contacts pour {user} ({firm}).',
    caldavAccount: '{firm} – Calendrier et tâches',
    carddavAccount: '{firm} – Contacts',

    outlookName: 'Nom',
    outlookProfileType: 'Type de profil',
    outlookOutlookFolder: 'Dossier Outlook',
    outlookDavUrl: 'URL DAV',
    outlookUsername: 'Nom d’utilisateur',
    outlookSyncMode: 'Mode de synchronisation',
    outlookConflictResolution: 'Résolution des conflits',
    outlookSyncInterval: 'Intervalle de synchronisation (en minutes)',
    outlookGeneric: 'Profil générique',
    outlookReplicateServerIntoOutlook: 'Outlook ← Serveur (copie)',
    outlookMergeInBothDirections: 'Outlook ←→ Serveur (deux sens)',
    outlookServerWins: 'Serveur gagne',
    outlookFolderEvents: 'Dossier de calendrier « {name} »',
    outlookFolderTasks: 'Dossier de tâches « {name} »',
    outlookFolderContacts: 'Dossier de contacts « {name} »',
    outlookKindEvents: 'Calendrier',
    outlookKindTasks: 'Tâches',
    outlookKindContacts: 'Contacts',
  },
  it: {
    profileDescription: 'Calendario, attività e contatti di {firm} per {user}.',
    caldavAccount: '{firm} – Calendario e attività',
    carddavAccount: '{firm} – Contatti',

    outlookName: 'Nome',
    outlookProfileType: 'Tipo di profilo',
    outlookOutlookFolder: 'Outlook cartella',
    outlookDavUrl: 'URL DAV',
    outlookUsername: 'Username',
    outlookSyncMode: 'Modalità di sincronizzazione',
    outlookConflictResolution: 'Elaborazione del conflitto',
    outlookSyncInterval: 'Intervallo di sincronizzazione (in minuti)',
    outlookGeneric: 'Profilo generico',
    outlookReplicateServerIntoOutlook: 'Outlook ← Server (replicare)',
    outlookMergeInBothDirections: 'Outlook ←→ Server (doppio senso)',
    outlookServerWins: 'Server ottenuto',
    outlookFolderEvents: 'Cartella del calendario «{name}»',
    outlookFolderTasks: 'Cartella delle attività «{name}»',
    outlookFolderContacts: 'Cartella dei contatti «{name}»',
    outlookKindEvents: 'Calendario',
    outlookKindTasks: 'Attività',
    outlookKindContacts: 'Contatti',
  },
  en: {
    profileDescription: 'Calendar, tasks and contacts of {firm} for {user}.',
    caldavAccount: '{firm} – Calendar and tasks',
    carddavAccount: '{firm} – Contacts',

    outlookName: 'Name',
    outlookProfileType: 'Profile type',
    outlookOutlookFolder: 'Outlook folder',
    outlookDavUrl: 'DAV URL',
    outlookUsername: 'Username',
    outlookSyncMode: 'Synchronization mode',
    outlookConflictResolution: 'Conflict resolution',
    outlookSyncInterval: 'Synchronization interval (minutes)',
    outlookGeneric: 'Generic CalDAV/CardDAV',
    outlookReplicateServerIntoOutlook: 'Outlook ← Server (Replicate)',
    outlookMergeInBothDirections: 'Outlook ←→ Server (Two-Way)',
    outlookServerWins: 'Server wins',
    outlookFolderEvents: 'Calendar folder "{name}"',
    outlookFolderTasks: 'Tasks folder "{name}"',
    outlookFolderContacts: 'Contacts folder "{name}"',
    outlookKindEvents: 'Calendar',
    outlookKindTasks: 'Tasks',
    outlookKindContacts: 'Contacts',
  },
});

export type DeviceTextKey = keyof (typeof DEVICE_TEXTS)['en'];
