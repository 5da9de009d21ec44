// All REPORTs the server answers, keyed by their body element.
import type { Resource } from '../resources.js';
import type { ClarkName } from '../xml/names.js';
import { addressbookQuery } from './addressbook-query.js';
import { calendarQuery } from './calendar-query.js';
import { expandProperty } from './expand-property.js';
import { addressbookMultiget, calendarMultiget } from './multiget.js';
import { syncCollection } from './sync-collection.js';
import type { ReportHandler } from './types.js';

class ReportRegistry {
  private readonly byName = new Map<ClarkName, ReportHandler>();
  constructor(handlers: readonly ReportHandler<never>[]) {
    for (const h of handlers) {
      if (this.byName.has(h.name)) throw new Error(`report ${h.name} registered twice`);
      this.byName.set(h.name, h as unknown as ReportHandler);
    }
  }
  get(name: ClarkName): ReportHandler | undefined {
    return this.byName.get(name);
  }
  supportedOn(r: Resource): ClarkName[] {
    return [...this.byName.values()].filter((h) => h.supportedOn(r)).map((h) => h.name);
  }
}

export const reports = new ReportRegistry([
  calendarMultiget,
  addressbookMultiget,
  calendarQuery,
  addressbookQuery,
  syncCollection,
  expandProperty,
] as unknown as ReportHandler<never>[]);
