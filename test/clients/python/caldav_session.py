"""A python-caldav (Debian python3-caldav) session against brokerstar-dav, for
test/clients/python-caldav.test.ts.

Reads CALDAV_URL (the server's root URL), CALDAV_USER, CALDAV_PASSWORD and
TASK_TO_COMPLETE (the href of a task to mark done) from the environment, does
what a python-caldav user would do, and prints one JSON document on stdout that
the test asserts on. Library errors are caught and reported in the JSON
(class name and message) so the test can assert on refusals; anything
unexpected ends the script with a traceback and a non-zero exit code.
"""

import json
import os
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import caldav
from caldav.lib import error

ZURICH = ZoneInfo("Europe/Zurich")


def local(value):
    """DTSTART/DTEND as the user sees it in Zurich: 'YYYY-MM-DD HH:MM', or the date for all-day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return {"floating": value.strftime("%Y-%m-%d %H:%M")}
        return value.astimezone(ZURICH).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def tzid_of(prop):
    params = getattr(prop, "params", {}) or {}
    return params.get("TZID")


def event_json(obj):
    out = []
    for comp in obj.icalendar_instance.walk("VEVENT"):
        rid = comp.get("RECURRENCE-ID")
        out.append(
            {
                "href": str(obj.url.path),
                "uid": str(comp.get("UID")),
                "summary": str(comp.get("SUMMARY")),
                "start": local(comp.decoded("DTSTART")),
                "end": local(comp.decoded("DTEND")) if comp.get("DTEND") is not None else None,
                "tzid": tzid_of(comp.get("DTSTART")),
                "recurrence_id": local(comp.decoded("RECURRENCE-ID")) if rid is not None else None,
                "has_rrule": comp.get("RRULE") is not None,
            }
        )
    return out


def todo_json(obj):
    comp = obj.icalendar_component
    completed = comp.get("COMPLETED")
    return {
        "href": str(obj.url.path),
        "uid": str(comp.get("UID")),
        "summary": str(comp.get("SUMMARY")),
        "status": str(comp.get("STATUS")) if comp.get("STATUS") is not None else None,
        "percent": int(comp.get("PERCENT-COMPLETE")) if comp.get("PERCENT-COMPLETE") is not None else None,
        "completed": comp.decoded("COMPLETED").astimezone(timezone.utc).isoformat() if completed is not None else None,
    }


def failure(exc):
    return {"class": type(exc).__name__, "reason": str(getattr(exc, "reason", exc)), "url": str(getattr(exc, "url", ""))}


def main():
    result = {}
    client = caldav.DAVClient(
        url=os.environ["CALDAV_URL"],
        username=os.environ["CALDAV_USER"],
        password=os.environ["CALDAV_PASSWORD"],
    )

    # Discovery: current-user-principal from the root URL, then the calendar home.
    principal = client.principal()
    result["principal"] = str(principal.url.path)
    result["calendar_home_set"] = str(principal.calendar_home_set.url.path)

    calendars = principal.calendars()
    result["calendars"] = [
        {"href": str(c.url.path), "name": c.get_display_name(), "components": c.get_supported_components()}
        for c in calendars
    ]
    by_path = {str(c.url.path): c for c in calendars}
    termine = next(c for p, c in by_path.items() if p.endswith("/termine/"))
    aufgaben = next(c for p, c in by_path.items() if p.endswith("/aufgaben/"))

    # Date searches on Termine: December 2026 unexpanded, March/April 2027 expanded by the server.
    december = termine.search(
        event=True, start=datetime(2026, 12, 1, tzinfo=ZURICH), end=datetime(2027, 1, 1, tzinfo=ZURICH)
    )
    result["december"] = [e for o in december for e in event_json(o)]
    spring = termine.search(
        event=True,
        start=datetime(2027, 3, 1, tzinfo=ZURICH),
        end=datetime(2027, 5, 1, tzinfo=ZURICH),
        expand=True,
    )
    result["spring_expanded"] = [e for o in spring for e in event_json(o)]
    # The deprecated date_search, still widely used.
    result["date_search_june_2027"] = [
        e for o in termine.date_search(datetime(2027, 6, 1, tzinfo=ZURICH), datetime(2027, 7, 1, tzinfo=ZURICH)) for e in event_json(o)
    ]

    # Tasks: all of them, and the pending ones (python-caldav sends three different filters).
    result["todos_all"] = sorted((todo_json(t) for t in aufgaben.todos(include_completed=True)), key=lambda t: t["href"])
    result["todos_pending"] = sorted((todo_json(t) for t in aufgaben.todos()), key=lambda t: t["href"])

    # An allowed edit: complete an own task (PUT of the whole VTODO, no If-Match).
    href = os.environ["TASK_TO_COMPLETE"]
    task = next(t for t in aufgaben.todos(include_completed=True) if str(t.url.path) == href)
    try:
        task.complete(completion_timestamp=datetime(2026, 11, 25, 15, 30, tzinfo=timezone.utc))
        result["complete"] = {"ok": True}
    except error.DAVError as exc:
        result["complete"] = {"ok": False, "error": failure(exc)}
    task.load()
    result["completed_task_reread"] = todo_json(task)

    # A refused create: save a new event; the library raises.
    new_event = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//python-caldav test//EN",
            "BEGIN:VEVENT",
            "UID:python-caldav-new-1",
            "DTSTAMP:20261201T080000Z",
            "DTSTART;TZID=Europe/Zurich:20261222T140000",
            "DTEND;TZID=Europe/Zurich:20261222T150000",
            "SUMMARY:Neuer Termin aus python-caldav",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    try:
        created = termine.save_event(new_event)
        result["save_event"] = {"raised": False, "href": str(created.url.path)}
    except error.DAVError as exc:
        result["save_event"] = {"raised": True, "error": failure(exc)}
    try:
        found = termine.event_by_uid("python-caldav-new-1")
        result["new_event_by_uid"] = {"found": True, "href": str(found.url.path)}
    except error.NotFoundError:
        result["new_event_by_uid"] = {"found": False}

    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
