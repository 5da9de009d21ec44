// What every renderer needs from outside the record (its own file, so renderers and the index do not import each other).
import type { ContactRef } from '../domain/records.js';

/** What the renderers need from outside the record. Build it once per request or process. */
export interface RenderOptions {
  /**
   * Absolute URL of a customer in BrokerStar's web UI, written as URL of tasks and appointments.
   * Must be cheap and deterministic: it is part of the rendered body, hence of the ETag.
   */
  contactUrl(c: ContactRef): string;
}
