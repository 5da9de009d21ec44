// The Outlook setup: one CalDav Synchronizer profile per collection, as rows of "field: value"
// with the add-in's own field names and choices (aluxnimm/outlookcaldavsynchronizer):
// - profile type "Generic CalDAV/CardDAV" (ProfileTypes/ConcreteTypes/GenericProfile.cs);
// - synchronization mode, the enum Implementation/SynchronizationMode.cs shown through
//   Ui/Options/EnumDisplayNameProvider.cs: ReplicateServerIntoOutlook "Outlook ← Server
//   (Replicate)" for what the employee cannot change (the address book, colleagues' calendars),
//   MergeInBothDirections "Outlook ←→ Server (Two-Way)" for his own appointments and tasks;
// - conflict resolution, Implementation/ConflictResolution.cs: ServerWins "Server wins" for the
//   two-way profiles, so Outlook takes back what the server refused instead of sending it again
//   (the field shows only with the add-in's advanced settings; one-way profiles have none);
// - synchronization interval in minutes, one of the add-in's choices (0, 1, 2, 5, 10, ... 60,
//   then hours; Ui/Options/ViewModels/SyncSettingsViewModel.cs, AvailableSyncIntervals).
// Texts in src/i18n/devices.ts, in the employee's language and in the add-in's default English.
import { DEVICE_TEXTS, type DeviceTextKey } from '../../i18n/devices.js';
import { translate, type Language } from '../../i18n/texts.js';

export type CollectionKind = 'events' | 'tasks' | 'contacts';

export interface OutlookCollection {
  /** The collection's display name in the employee's language (Termine, Rendez-vous d'Anna Meier, ...). */
  readonly name: string;
  /** The collection's absolute URL. */
  readonly url: string;
  readonly kind: CollectionKind;
  /** The employee's own appointments or tasks (two-way); false for a colleague's calendar. */
  readonly own: boolean;
}

export type OutlookRowKey =
  | 'name'
  | 'profileType'
  | 'outlookFolder'
  | 'davUrl'
  | 'username'
  | 'syncMode'
  | 'conflictResolution'
  | 'syncInterval';

export interface OutlookRow {
  readonly key: OutlookRowKey;
  /** The add-in's field name in the employee's language. */
  readonly label: string;
  /** What to enter or choose, in the employee's language. */
  readonly value: string;
  /** The same in English, as the add-in shows it until its language is changed. */
  readonly english: { readonly label: string; readonly value: string };
  /** A value to type (name, URL, user) rather than choose: the page offers a copy button. */
  readonly copy: boolean;
}

export interface OutlookProfile {
  readonly collection: OutlookCollection;
  /** The Outlook folder type in the employee's language (Calendar, Tasks, Contacts). */
  readonly folderKind: string;
  /** The add-in's enum values, for code and tests. */
  readonly mode: 'ReplicateServerIntoOutlook' | 'MergeInBothDirections';
  readonly conflictResolution: 'ServerWins' | null;
  readonly intervalMinutes: number;
  readonly rows: readonly OutlookRow[];
}

/** The add-in's choices of interval below an hour (minutes). */
const INTERVALS = [1, 2, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60];
export const DEFAULT_OUTLOOK_INTERVAL_MINUTES = 5;

const FOLDER: Record<CollectionKind, DeviceTextKey> = { events: 'outlookFolderEvents', tasks: 'outlookFolderTasks', contacts: 'outlookFolderContacts' };
const KIND: Record<CollectionKind, DeviceTextKey> = { events: 'outlookKindEvents', tasks: 'outlookKindTasks', contacts: 'outlookKindContacts' };

/**
 * The CalDav Synchronizer profile for each collection, in the order given. Own appointments and
 * tasks sync both ways with "Server wins"; the address book and colleagues' calendars are
 * replicated from the server. `intervalMinutes` must be one of the add-in's choices (default 5).
 */
export function outlookSettings(
  collections: readonly OutlookCollection[],
  username: string,
  language: Language = 'en',
  intervalMinutes: number = DEFAULT_OUTLOOK_INTERVAL_MINUTES,
): OutlookProfile[] {
  if (!INTERVALS.includes(intervalMinutes)) throw new RangeError(`CalDav Synchronizer offers no interval of ${intervalMinutes} minutes`);
  return collections.map((collection) => {
    const twoWay = collection.own && collection.kind !== 'contacts';
    const mode = twoWay ? 'MergeInBothDirections' : 'ReplicateServerIntoOutlook';
    const row = (key: OutlookRowKey, labelKey: DeviceTextKey, value: (lang: Language) => string, copy = false): OutlookRow => ({
      key,
      label: translate(DEVICE_TEXTS, language, labelKey),
      value: value(language),
      english: { label: translate(DEVICE_TEXTS, 'en', labelKey), value: value('en') },
      copy,
    });
    const text = (key: DeviceTextKey, params?: Record<string, string>) => (lang: Language) => translate(DEVICE_TEXTS, lang, key, params);
    const literal = (s: string) => () => s;
    const rows: OutlookRow[] = [
      row('name', 'outlookName', literal(collection.name), true),
      row('profileType', 'outlookProfileType', text('outlookGeneric')),
      row('outlookFolder', 'outlookOutlookFolder', text(FOLDER[collection.kind], { name: collection.name })),
      row('davUrl', 'outlookDavUrl', literal(collection.url), true),
      row('username', 'outlookUsername', literal(username), true),
      row('syncMode', 'outlookSyncMode', text(twoWay ? 'outlookMergeInBothDirections' : 'outlookReplicateServerIntoOutlook')),
    ];
    if (twoWay) rows.push(row('conflictResolution', 'outlookConflictResolution', text('outlookServerWins')));
    rows.push(row('syncInterval', 'outlookSyncInterval', literal(String(intervalMinutes))));
    return {
      collection,
      folderKind: translate(DEVICE_TEXTS, language, KIND[collection.kind]),
      mode,
      conflictResolution: twoWay ? 'ServerWins' : null,
      intervalMinutes,
      rows,
    };
  });
}
