// Who may set a collection's colour and order (PROPPATCH of calendar-color / calendar-order,
// docs/writes.md §10): the employee, on every calendar in his own home, whatever he may change in
// it. They are his display settings, kept by the server, never BrokerStar's data, so also on a
// colleague's read-only calendar and with CLIENT_EDITS=off. write-properties is advertised only
// where content is writable too (read-mostly.ts says why); a PROPPATCH elsewhere is still taken.
import { isAddressBook, type Collection, type Principal } from '../storage/types.js';

export function mayKeepDisplaySettings(principal: Principal, c: Collection): boolean {
  return c.home.id === principal.id && !isAddressBook(c.type);
}
