// Occurrences of a stored recurring appointment as BrokerStar serves it (RFC 5545 §3.8.5, §3.8.4.4):
// which RECURRENCE-IDs name a real occurrence, and where that occurrence lies now.
import ICAL from 'ical.js';
import { forEachOccurrence } from '../calendar/recurrence.js';
import { TimeBudget } from '../calendar/bounded-recurrence.js';
import { InvalidCalendarData, readSpan, spanDays, type Component, type Span, type TimeReader } from './ical-input.js';

/** The served master and overrides of one appointment, read once per decision. */
export class ServedSeries {
  readonly span: Span;
  private readonly moved = new Map<number, Span>();

  constructor(
    private readonly master: Component,
    overrides: readonly Component[],
    private readonly reader: TimeReader,
    /** Shared by every look-up of one decision: a body naming thousands of RECURRENCE-IDs stays bounded. */
    private readonly budget: TimeBudget = new TimeBudget(),
  ) {
    this.span = readSpan(master, reader);
    for (const o of overrides) {
      const rid = reader.time(o, 'recurrence-id');
      if (rid) this.moved.set(rid.ms, readSpan(o, reader));
    }
  }

  /**
   * The occurrence of the stored rule starting at `ms` (RDATE/EXDATE included, so an occurrence
   * BrokerStar cancelled is none), or undefined. Bounded by the expansion's step limit and the
   * decision's time budget; a spent budget is InvalidCalendarData (the PUT is refused, never slow).
   */
  occurrence(ms: number): ICAL.Time | undefined {
    if (!this.master.hasProperty('rrule')) return undefined;
    const dtstart = this.master.getFirstProperty('dtstart');
    if (!dtstart) return undefined;
    let found: ICAL.Time | undefined;
    const result = forEachOccurrence(this.master, dtstart, this.reader.clock, { skipBefore: ms, budget: this.budget }, (o) => {
      if (o.startMs === ms) found = o.start;
      return o.startMs >= ms;
    });
    if (result === 'capped' && this.budget.exhausted) {
      throw new InvalidCalendarData(`looking up the occurrences this body names took more than ${this.budget.ms} ms`);
    }
    return found;
  }

  /** Where the occurrence with this original start lies as served: moved, or per the rule. */
  current(originalStart: number, start: ICAL.Time): Span {
    const moved = this.moved.get(originalStart);
    if (moved) return moved;
    if (this.span.allDay && start.isDate) {
      return {
        start: new Date(originalStart),
        end: new Date(this.reader.datePlusDays(start, spanDays(this.span))),
        allDay: true,
      };
    }
    const length = this.span.end.getTime() - this.span.start.getTime();
    return { start: new Date(originalStart), end: new Date(originalStart + length), allDay: this.span.allDay };
  }
}
