// The sentences an employee sees when the server refuses something (design.md §4), one record per
// language. Keys are stable: the audit log records them as the reason. A record per language must
// name every key, so a missing translation fails to compile instead of dropping the sentence.

/** The refusal sentences' keys: what the catalogue (refusals.ts) and the 412/413/415 answers name. */
export type MessageKey =
  | 'read-only'
  | 'create-contact'
  | 'create-appointment'
  | 'create-task'
  | 'edit-contact'
  | 'delete-contact'
  | 'delete-appointment'
  | 'delete-task'
  | 'not-owner-appointment'
  | 'reassign-task'
  | 'change-organizer'
  | 'change-participants'
  | 'change-recurrence'
  | 'private-appointment'
  | 'method-not-allowed'
  | 'collections-fixed'
  | 'properties-read-only'
  | 'locking-unsupported'
  | 'invalid-data'
  | 'uid-mismatch'
  | 'wrong-component'
  | 'exists'
  | 'stale'
  | 'wrong-content-type'
  | 'too-large';

const DE: Readonly<Record<MessageKey, string>> = {
  'read-only': 'Diese Sammlung ist schreibgeschützt. Änderungen bitte in BrokerStar vornehmen.',
  'create-contact': 'Kontakte werden nur in BrokerStar erfasst. Bitte legen Sie den Kontakt in BrokerStar an.',
  'create-appointment': 'Termine werden nur in BrokerStar erfasst. Bitte legen Sie den Termin in BrokerStar an.',
  'create-task': 'Aufgaben werden nur in BrokerStar erfasst. Bitte legen Sie die Aufgabe in BrokerStar an.',
  'edit-contact': 'Kontakte können nur in BrokerStar bearbeitet werden.',
  'delete-contact': 'Kontakte können nur in BrokerStar gelöscht werden. Der Kontakt wird wiederhergestellt.',
  'delete-appointment': 'Termine können nur in BrokerStar gelöscht werden. Der Termin wird wiederhergestellt.',
  'delete-task': 'Aufgaben können nur in BrokerStar gelöscht werden. Die Aufgabe wird wiederhergestellt.',
  'not-owner-appointment': 'Nur der Besitzer kann diesen Termin ändern, und zwar in BrokerStar.',
  'reassign-task': 'Aufgaben werden nur in BrokerStar einer anderen Person zugewiesen.',
  'change-organizer': 'Der Organisator eines Termins kann nur in BrokerStar geändert werden.',
  'change-participants': 'Teilnehmende werden nur in BrokerStar eingeladen oder entfernt.',
  'change-recurrence': 'Die Wiederholung eines Serientermins wird nur in BrokerStar geändert. Einzelne Termine der Serie können verschoben werden.',
  'private-appointment': 'Private Termine werden nicht mit BrokerStar synchronisiert.',
  'method-not-allowed': 'Diese Aktion ist nicht möglich: BrokerStar ist das führende System.',
  'collections-fixed': 'Sammlungen werden von BrokerStar verwaltet und können nicht angelegt, verschoben oder gelöscht werden.',
  'properties-read-only': 'Eigenschaften der Sammlungen werden von BrokerStar verwaltet.',
  'locking-unsupported': 'Sperren (LOCK) wird nicht unterstützt.',
  'invalid-data': 'Die gesendeten Kalenderdaten sind ungültig und wurden nicht übernommen.',
  'uid-mismatch': 'Die UID passt nicht zu diesem Eintrag. Neue Einträge bitte in BrokerStar erfassen.',
  'wrong-component': 'Diese Sammlung nimmt nur Termine bzw. nur Aufgaben auf.',
  exists: 'Dieser Eintrag existiert bereits. Neue Einträge bitte in BrokerStar erfassen.',
  stale: 'Der Eintrag wurde inzwischen in BrokerStar geändert. Bitte zuerst synchronisieren.',
  'wrong-content-type': 'Falsches Datenformat: erwartet wird text/calendar bzw. text/vcard.',
  'too-large': 'Der Eintrag ist zu gross.',
};

const EN: Readonly<Record<MessageKey, string>> = {
  'read-only': 'This collection is read-only. Please make changes in BrokerStar.',
  'create-contact': 'Contacts are created in BrokerStar only. Please create the contact in BrokerStar.',
  'create-appointment': 'Appointments are created in BrokerStar only. Please create the appointment in BrokerStar.',
  'create-task': 'Tasks are created in BrokerStar only. Please create the task in BrokerStar.',
  'edit-contact': 'Contacts can only be edited in BrokerStar.',
  'delete-contact': 'Contacts can only be deleted in BrokerStar. The contact will be restored.',
  'delete-appointment': 'Appointments can only be deleted in BrokerStar. The appointment will be restored.',
  'delete-task': 'Tasks can only be deleted in BrokerStar. The task will be restored.',
  'not-owner-appointment': 'Only the owner can change this appointment, in BrokerStar.',
  'reassign-task': 'Tasks are reassigned in BrokerStar only.',
  'change-organizer': 'The organizer of an appointment can only be changed in BrokerStar.',
  'change-participants': 'Participants are invited or removed in BrokerStar only.',
  'change-recurrence': 'The recurrence of a series is changed in BrokerStar only. Single occurrences can be moved.',
  'private-appointment': 'Private appointments are not synchronised with BrokerStar.',
  'method-not-allowed': 'This action is not possible: BrokerStar is the leading system.',
  'collections-fixed': 'Collections are managed by BrokerStar and cannot be created, moved or deleted.',
  'properties-read-only': 'Collection properties are managed by BrokerStar.',
  'locking-unsupported': 'Locking is not supported.',
  'invalid-data': 'The calendar data sent is not valid and was not saved.',
  'uid-mismatch': 'The UID does not match this item. Please create new items in BrokerStar.',
  'wrong-component': 'This collection holds only appointments or only tasks.',
  exists: 'This item already exists. Please create new items in BrokerStar.',
  stale: 'The item was changed in BrokerStar meanwhile. Please synchronise first.',
  'wrong-content-type': 'Wrong data format: text/calendar or text/vcard is expected.',
  'too-large': 'The item is too large.',
};

/** The languages refusals are worded in; German when Accept-Language prefers none of them. */
export const MESSAGES = { de: DE, en: EN } as const satisfies Record<string, Readonly<Record<MessageKey, string>>>;

export type MessageLanguage = keyof typeof MESSAGES;

export function messageFor(key: MessageKey, lang: MessageLanguage): string {
  return MESSAGES[lang][key];
}
