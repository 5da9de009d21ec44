// The domain records: BrokerStar's contacts, tasks, appointments and employees as the storage layer
// hands them to the renderers (src/ical/) and the edit rules (src/policy/). On the ground floor with
// the calendar's time math: they import nothing. The DAV core speaks of collections and objects.

export type Language = 'de' | 'fr' | 'it' | 'en';

export interface EmployeeRef {
  readonly id: string;
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly language: Language;
  readonly timeZone: string;
}

/** The customer a task or appointment concerns. */
export interface ContactRef {
  readonly id: string;
  readonly customerNo: string | null;
  /** "Muster AG" or "Dr. Hans Muster" – what BrokerStar shows as the contact's name. */
  readonly displayName: string;
}

export interface ContactPhone {
  readonly kind: 'work' | 'home' | 'mobile' | 'fax' | 'other';
  readonly number: string;
  readonly isPrimary: boolean;
}

export interface ContactEmail {
  readonly kind: 'work' | 'home' | 'other';
  readonly address: string;
  readonly isPrimary: boolean;
}

export interface ContactAddress {
  readonly kind: 'work' | 'home' | 'postal' | 'other';
  readonly street: string | null;
  readonly poBox: string | null;
  readonly postalCode: string | null;
  readonly city: string | null;
  readonly region: string | null;
  readonly countryCode: string | null;
}

export interface ContactRecord {
  readonly id: string;
  readonly kind: 'person' | 'company';
  readonly customerNo: string | null;
  readonly salutation: string | null;
  readonly academicTitle: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly companyName: string | null;
  readonly department: string | null;
  readonly jobTitle: string | null;
  /** ISO date YYYY-MM-DD. */
  readonly birthday: string | null;
  readonly website: string | null;
  readonly notes: string | null;
  /** In BrokerStar's `position` order. */
  readonly phones: readonly ContactPhone[];
  readonly emails: readonly ContactEmail[];
  readonly addresses: readonly ContactAddress[];
  /** Sorted. */
  readonly categories: readonly string[];
  /** Already downscaled for phones (JPEG). */
  readonly photo: { readonly mimeType: 'image/jpeg'; readonly data: Buffer } | null;
}

export type TaskStatus = 'open' | 'in_progress' | 'waiting' | 'done' | 'cancelled';

export interface TaskRecord {
  readonly id: string;
  readonly subject: string;
  readonly description: string | null;
  readonly assignee: EmployeeRef;
  readonly createdBy: EmployeeRef | null;
  readonly contact: ContactRef | null;
  readonly status: TaskStatus;
  /** BrokerStar: 1 high, 2 normal, 3 low. */
  readonly priority: 1 | 2 | 3;
  readonly percentComplete: number;
  /** ISO date YYYY-MM-DD. */
  readonly startsOn: string | null;
  readonly dueAt: Date | null;
  readonly completedAt: Date | null;
  readonly createdAt: Date;
}

export type AppointmentStatus = 'confirmed' | 'tentative' | 'cancelled';
export type ParticipantResponse = 'needs_action' | 'accepted' | 'declined' | 'tentative';

export interface AppointmentException {
  /** The occurrence's start per the rule (an instant). */
  readonly originalStart: Date;
  readonly isCancelled: boolean;
  /** The moved occurrence, when not cancelled (null = unchanged). */
  readonly startsAt: Date | null;
  readonly endsAt: Date | null;
}

export interface AppointmentRecord {
  readonly id: string;
  readonly subject: string;
  readonly location: string | null;
  readonly description: string | null;
  readonly owner: EmployeeRef;
  readonly contact: ContactRef | null;
  readonly startsAt: Date;
  /**
   * For all-day appointments starts_at/ends_at are local midnights in `timeZone`; ends_at is the
   * midnight after the last day (exclusive). An all-day row with ends_at = starts_at is one day.
   */
  readonly endsAt: Date;
  readonly allDay: boolean;
  /** IANA zone, e.g. Europe/Zurich. */
  readonly timeZone: string;
  /** RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10; null also when BrokerStar's is unreadable. */
  readonly recurrenceRule: string | null;
  /** BrokerStar's rule when no reader understands it: the appointment is served as a single one. */
  readonly unreadableRule?: string;
  readonly isPrivate: boolean;
  readonly status: AppointmentStatus;
  readonly createdAt: Date;
  /** Sorted by originalStart. */
  readonly exceptions: readonly AppointmentException[];
  /** Employees only, sorted by last name. */
  readonly participants: readonly { readonly employee: EmployeeRef; readonly response: ParticipantResponse }[];
}

/**
 * Stamps the server keeps per rendered object (not BrokerStar data): when its served content last
 * changed and how often. They go into REV / LAST-MODIFIED / DTSTAMP / SEQUENCE.
 */
export interface RenderStamp {
  readonly lastModified: Date;
  readonly sequence: number;
}

/**
 * How an appointment is shown: `full` to its owner, its participants and (when not private) to
 * colleagues the owner shares his calendar with; `busy` for someone else's private appointment.
 */
export type AppointmentView = { readonly kind: 'full' } | { readonly kind: 'busy'; readonly language: Language };
