// The refusal catalogue (design.md §4): every write the read-mostly server refuses, with the
// privilege it lacks (RFC 3744 §7.1.1), the precondition element naming the rule, whether the item
// is announced again so that a client which kept its change restores it, and the employee's
// message. dav/ looks refusals up here and writes them as a DAV:error; every one is audit-logged.
import type { Collection } from '../storage/types.js';
import type { RefusalRule } from './edit-types.js';
import type { MessageKey } from './messages.js';
import { EDIT_PRIVILEGE, type Privilege } from './privileges.js';

/**
 * A refusal's precondition element: the project's own, or CalDAV's where RFC 4791 §5.3.2.1 names
 * one (the last three). dav/ gives each its namespace.
 */
export type Precondition =
  | 'create-in-brokerstar'
  | 'delete-in-brokerstar'
  | 'read-only-collection'
  | 'contacts-read-only'
  | 'not-owner'
  | 'assign-in-brokerstar'
  | 'participants-in-brokerstar'
  | 'organizer-in-brokerstar'
  | 'recurrence-in-brokerstar'
  | 'private-not-accepted'
  | 'answer-own-only'
  | 'answer-whole-series'
  | 'task-details-in-brokerstar'
  | 'status-in-brokerstar'
  | 'method-not-supported'
  | 'properties-read-only'
  | 'valid-property-value'
  | 'valid-calendar-data'
  | 'no-uid-conflict'
  | 'supported-calendar-component';

export interface Refusal {
  readonly privilege: Privilege;
  readonly precondition: Precondition;
  /** The item is announced again (new ETag), so a client that kept its change or deletion restores it. */
  readonly reannounce: boolean;
  readonly message: MessageKey;
}

/** Methods refused on every URL; DELETE depends on its target (`deleteItem`, `deleteCollection`). */
export type RefusedMethod = 'MKCOL' | 'MKCALENDAR' | 'MOVE' | 'COPY' | 'LOCK' | 'UNLOCK' | 'POST' | 'ACL';

type CollectionType = Collection['type'];

export interface RefusalCatalogue {
  readonly method: Readonly<Record<RefusedMethod, Refusal>>;
  /** DELETE of an item, by its collection's type. */
  readonly deleteItem: Readonly<Record<CollectionType, Refusal>>;
  /** DELETE of a collection, a home or anything else that is not an item. */
  readonly deleteCollection: Refusal;
  /** PUT where no item is (a create), by the type of the collection it would land in. */
  readonly create: Readonly<Record<CollectionType, Refusal>>;
  /** PUT on a collection, a home or anything else that is not an item. */
  readonly putOnCollection: Refusal;
  /** PUT on an item without the edit privilege, by its collection's type. */
  readonly readOnly: Readonly<Record<CollectionType, Refusal>>;
  /**
   * PROPPATCH of a property the server keeps no setting for (all but a calendar's colour and
   * order), and PROPPATCH where nothing may be set (an item, a home, an address book).
   */
  readonly properties: Refusal;
  /** PROPPATCH of a colour or order that is none (409 for that property in the 207). */
  readonly invalidPropertyValue: Refusal;
  /** PUT that an edit rule refused (appointment-edit.ts, task-edit.ts). */
  readonly editRule: Readonly<Record<RefusalRule, Refusal>>;
}

const refusal = (privilege: Privilege, precondition: Precondition, message: MessageKey): Refusal => ({
  privilege,
  precondition,
  reannounce: false,
  message,
});

/** DAVx5 and Thunderbird's address book delete locally whatever the answer: the item comes back. */
const itemDeletion = (message: MessageKey): Refusal => ({ ...refusal('unbind', 'delete-in-brokerstar', message), reannounce: true });

const creation = (message: MessageKey): Refusal => refusal('bind', 'create-in-brokerstar', message);

/** A change of an existing item: it lacks what PUT needs, and the item comes back as BrokerStar has it. */
const refusedChange = (precondition: Precondition, message: MessageKey): Refusal => ({
  ...refusal(EDIT_PRIVILEGE, precondition, message),
  reannounce: true,
});

export const REFUSALS: RefusalCatalogue = {
  method: {
    MKCOL: refusal('bind', 'method-not-supported', 'collections-fixed'),
    MKCALENDAR: refusal('bind', 'method-not-supported', 'collections-fixed'),
    MOVE: refusal('unbind', 'method-not-supported', 'method-not-allowed'),
    COPY: refusal('bind', 'method-not-supported', 'method-not-allowed'),
    LOCK: refusal('write-content', 'method-not-supported', 'locking-unsupported'),
    UNLOCK: refusal('unlock', 'method-not-supported', 'locking-unsupported'),
    POST: refusal('bind', 'method-not-supported', 'method-not-allowed'),
    ACL: refusal('write-properties', 'method-not-supported', 'method-not-allowed'),
  },
  deleteItem: {
    contacts: itemDeletion('delete-contact'),
    'my-customers': itemDeletion('delete-contact'),
    birthdays: itemDeletion('birthday-in-brokerstar'),
    events: itemDeletion('delete-appointment'),
    'shared-events': itemDeletion('delete-appointment'),
    tasks: itemDeletion('delete-task'),
  },
  deleteCollection: refusal('unbind', 'delete-in-brokerstar', 'collections-fixed'),
  create: {
    contacts: creation('create-contact'),
    'my-customers': creation('create-contact'),
    birthdays: creation('birthday-in-brokerstar'),
    events: creation('create-appointment'),
    'shared-events': creation('create-appointment'),
    tasks: creation('create-task'),
  },
  putOnCollection: refusal('bind', 'method-not-supported', 'collections-fixed'),
  properties: refusal('write-properties', 'properties-read-only', 'properties-read-only'),
  invalidPropertyValue: refusal('write-properties', 'valid-property-value', 'invalid-property-value'),
  readOnly: {
    contacts: refusedChange('contacts-read-only', 'edit-contact'),
    'my-customers': refusedChange('contacts-read-only', 'edit-contact'),
    birthdays: refusedChange('read-only-collection', 'birthday-in-brokerstar'),
    events: refusedChange('read-only-collection', 'read-only'),
    'shared-events': refusedChange('not-owner', 'not-owner-appointment'),
    tasks: refusedChange('read-only-collection', 'read-only'),
  },
  editRule: {
    'not-owner': refusedChange('not-owner', 'not-owner-appointment'),
    'change-organizer': refusedChange('organizer-in-brokerstar', 'change-organizer'),
    'change-participants': refusedChange('participants-in-brokerstar', 'change-participants'),
    'make-private': refusedChange('private-not-accepted', 'private-appointment'),
    'change-recurrence': refusedChange('recurrence-in-brokerstar', 'change-recurrence'),
    'reassign-task': refusedChange('assign-in-brokerstar', 'reassign-task'),
    'change-task-organizer': refusedChange('organizer-in-brokerstar', 'task-organizer'),
    'change-task-details': refusedChange('task-details-in-brokerstar', 'task-details'),
    'change-appointment-status': refusedChange('status-in-brokerstar', 'appointment-status'),
    'delete-occurrence': refusedChange('delete-in-brokerstar', 'delete-occurrence'),
    'answer-for-other': refusedChange('answer-own-only', 'answer-for-other'),
    'answer-one-occurrence': refusedChange('answer-whole-series', 'answer-one-occurrence'),
    'invalid-data': refusedChange('valid-calendar-data', 'invalid-data'),
    'uid-mismatch': refusedChange('no-uid-conflict', 'uid-mismatch'),
    'wrong-component': refusedChange('supported-calendar-component', 'wrong-component'),
  },
};
