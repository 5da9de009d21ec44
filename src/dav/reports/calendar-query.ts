// calendar-query (RFC 4791 §7.8): the store narrows by component and VEVENT time range in SQL;
// unless that was the whole filter, the reference matcher re-checks each candidate.
import { parseRendered } from '../../ical/parse-rendered.js';
import { matchesCalendarFilter, parseCalendarFilter, pushdownOf, type CalendarFilter } from '../filters/calendar-filter.js';
import { badRequest } from '../dav-error.js';
import { propstatsFor, type PropRequest } from '../propstats.js';
import { href, isCollectionResource, isObjectResource } from '../resources.js';
import { CALDAV } from '../xml/names.js';
import type { DavResponse } from '../xml/multistatus.js';
import { dataProps, validateDataProps, wantsWholeData } from './data-props.js';
import { propsOf, reportPropRequest, requireChild } from './prop-request.js';
import { defineReport } from './types.js';

interface CalendarQueryRequest {
  readonly filter: CalendarFilter;
  readonly props: PropRequest;
}

export const calendarQuery = defineReport<CalendarQueryRequest>({
  name: CALDAV.calendarQuery,
  supportedOn: (t) => t.kind === 'calendar' || t.kind === 'calendar-object',
  parse(root) {
    const filter = parseCalendarFilter(requireChild(root, CALDAV.filter, 'CALDAV:filter'));
    const props = reportPropRequest(root);
    validateDataProps(propsOf(props));
    return { filter, props };
  },
  async run(req, target, ctx, sources) {
    if (!isCollectionResource(target) && !isObjectResource(target)) throw badRequest('calendar-query needs a calendar');
    const c = target.collection;
    await sources.refreshState(c);
    const push = pushdownOf(req.filter);
    const only = isObjectResource(target) ? target.name : undefined;
    // On an object URL the store does not narrow by component: the matcher must check.
    const needsCheck = !push.exact || only !== undefined;
    const wantsData = propsOf(req.props).some((p) => p.name === CALDAV.calendarData);
    const withBody = needsCheck || wantsData;
    // Bodies only written out (nothing to match in them): their stored XML form will do.
    const xmlOnly = !needsCheck && wantsWholeData(propsOf(req.props));
    const candidates = only
      ? (await ctx.store.getObjects(c, [only], { withBody })).values()
      : ctx.store.queryCalendar(
          c,
          // Data only where the store cannot decide the range, unless the client wants it anyway.
          { component: push.component, timeRange: push.timeRange, bodiesOnlyWhenInexact: push.rangeOnly && !wantsData },
          { withBody, xmlOnly },
        );
    const extra = dataProps();
    const timezone = c.owner.timeZone;
    async function* responses(): AsyncIterable<DavResponse> {
      for await (const object of candidates) {
        const decided = push.rangeOnly && object.timeRangeExact === true && only === undefined;
        if (needsCheck && !decided && !matches(req.filter, object.body, timezone)) continue;
        const resource = { kind: 'calendar-object', collection: c, name: object.name } as const;
        yield { href: href.object(c, object.name), propstats: await propstatsFor({ resource, object }, req.props, sources, extra) };
      }
    }
    return { responses: responses() };
  },
});


/** Bodies are the server's own renderings; one that cannot be parsed simply does not match. */
function matches(filter: CalendarFilter, body: string | undefined, timezone: string): boolean {
  if (body === undefined) return false;
  try {
    return matchesCalendarFilter(filter, parseRendered(body), timezone);
  } catch {
    return false;
  }
}
