// The sentences users see when the server refuses something, in German (default) and English,
// chosen by Accept-Language. Keys are stable: the audit log records them as the reason.

export const MESSAGES = {
  'need-privileges': {
    de: 'Diese Änderung ist nicht erlaubt: BrokerStar ist das führende System.',
    en: 'This change is not allowed: BrokerStar is the leading system.',
  },
  'read-only': {
    de: 'Diese Sammlung ist schreibgeschützt. Änderungen bitte in BrokerStar vornehmen.',
    en: 'This collection is read-only. Please make changes in BrokerStar.',
  },
  'create-contact': {
    de: 'Kontakte werden nur in BrokerStar erfasst. Bitte legen Sie den Kontakt in BrokerStar an.',
    en: 'Contacts are created in BrokerStar only. Please create the contact in BrokerStar.',
  },
  'create-appointment': {
    de: 'Termine werden nur in BrokerStar erfasst. Bitte legen Sie den Termin in BrokerStar an.',
    en: 'Appointments are created in BrokerStar only. Please create the appointment in BrokerStar.',
  },
  'create-task': {
    de: 'Aufgaben werden nur in BrokerStar erfasst. Bitte legen Sie die Aufgabe in BrokerStar an.',
    en: 'Tasks are created in BrokerStar only. Please create the task in BrokerStar.',
  },
  'edit-contact': {
    de: 'Kontakte können nur in BrokerStar bearbeitet werden.',
    en: 'Contacts can only be edited in BrokerStar.',
  },
  'delete-contact': {
    de: 'Kontakte können nur in BrokerStar gelöscht werden. Der Kontakt wird wiederhergestellt.',
    en: 'Contacts can only be deleted in BrokerStar. The contact will be restored.',
  },
  'delete-appointment': {
    de: 'Termine können nur in BrokerStar gelöscht werden. Der Termin wird wiederhergestellt.',
    en: 'Appointments can only be deleted in BrokerStar. The appointment will be restored.',
  },
  'delete-task': {
    de: 'Aufgaben können nur in BrokerStar gelöscht werden. Die Aufgabe wird wiederhergestellt.',
    en: 'Tasks can only be deleted in BrokerStar. The task will be restored.',
  },
  'not-owner-appointment': {
    de: 'Nur der Besitzer kann diesen Termin ändern, und zwar in BrokerStar.',
    en: 'Only the owner can change this appointment, in BrokerStar.',
  },
  'not-assignee-task': {
    de: 'Nur die zugewiesene Person kann den Status dieser Aufgabe ändern.',
    en: 'Only the assignee can change the status of this task.',
  },
  'reassign-task': {
    de: 'Aufgaben werden nur in BrokerStar einer anderen Person zugewiesen.',
    en: 'Tasks are reassigned in BrokerStar only.',
  },
  'change-organizer': {
    de: 'Der Organisator eines Termins kann nur in BrokerStar geändert werden.',
    en: 'The organizer of an appointment can only be changed in BrokerStar.',
  },
  'change-participants': {
    de: 'Teilnehmende werden nur in BrokerStar eingeladen oder entfernt.',
    en: 'Participants are invited or removed in BrokerStar only.',
  },
  'change-recurrence': {
    de: 'Die Wiederholung eines Serientermins wird nur in BrokerStar geändert. Einzelne Termine der Serie können verschoben werden.',
    en: 'The recurrence of a series is changed in BrokerStar only. Single occurrences can be moved.',
  },
  'private-appointment': {
    de: 'Private Termine werden nicht mit BrokerStar synchronisiert.',
    en: 'Private appointments are not synchronised with BrokerStar.',
  },
  'method-not-allowed': {
    de: 'Diese Aktion ist nicht möglich: BrokerStar ist das führende System.',
    en: 'This action is not possible: BrokerStar is the leading system.',
  },
  'collections-fixed': {
    de: 'Sammlungen werden von BrokerStar verwaltet und können nicht angelegt, verschoben oder gelöscht werden.',
    en: 'Collections are managed by BrokerStar and cannot be created, moved or deleted.',
  },
  'properties-read-only': {
    de: 'Eigenschaften der Sammlungen werden von BrokerStar verwaltet.',
    en: 'Collection properties are managed by BrokerStar.',
  },
  'locking-unsupported': {
    de: 'Sperren (LOCK) wird nicht unterstützt.',
    en: 'Locking is not supported.',
  },
  'invalid-data': {
    de: 'Die gesendeten Kalenderdaten sind ungültig und wurden nicht übernommen.',
    en: 'The calendar data sent is not valid and was not saved.',
  },
  'uid-mismatch': {
    de: 'Die UID passt nicht zu diesem Eintrag. Neue Einträge bitte in BrokerStar erfassen.',
    en: 'The UID does not match this item. Please create new items in BrokerStar.',
  },
  'wrong-component': {
    de: 'Diese Sammlung nimmt nur Termine bzw. nur Aufgaben auf.',
    en: 'This collection holds only appointments or only tasks.',
  },
  exists: {
    de: 'Dieser Eintrag existiert bereits. Neue Einträge bitte in BrokerStar erfassen.',
    en: 'This item already exists. Please create new items in BrokerStar.',
  },
  stale: {
    de: 'Der Eintrag wurde inzwischen in BrokerStar geändert. Bitte zuerst synchronisieren.',
    en: 'The item was changed in BrokerStar meanwhile. Please synchronise first.',
  },
  'wrong-content-type': {
    de: 'Falsches Datenformat: erwartet wird text/calendar bzw. text/vcard.',
    en: 'Wrong data format: text/calendar or text/vcard is expected.',
  },
  'too-large': {
    de: 'Der Eintrag ist zu gross.',
    en: 'The item is too large.',
  },
  'invalid-sync-token': {
    de: 'Der Synchronisationsstand ist abgelaufen; bitte vollständig neu synchronisieren.',
    en: 'The sync token has expired; please do a full sync.',
  },
} as const satisfies Record<string, { de: string; en: string }>;

export type MessageKey = keyof typeof MESSAGES;

export function messageFor(key: string | undefined, lang: 'de' | 'en'): string | undefined {
  if (!key || !(key in MESSAGES)) return undefined;
  return MESSAGES[key as MessageKey][lang];
}
