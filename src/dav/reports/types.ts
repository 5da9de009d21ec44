// The report-handler seam: one entry per REPORT body element (docs/architecture.md, "The seams").
import type { DavContext } from '../context.js';
import type { PropertySources } from '../properties/registry.js';
import type { Resource } from '../resources.js';
import type { ClarkName } from '../xml/names.js';
import type { Multistatus } from '../xml/multistatus.js';
import type { XmlElement } from '../xml/parse.js';

export interface ReportHandler<Req = unknown> {
  readonly name: ClarkName;
  /** Also feeds DAV:supported-report-set. */
  supportedOn(target: Resource): boolean;
  /** Typed request; DavError(400) on bad input. Runs before the first byte of the answer. */
  parse(root: XmlElement, ctx: DavContext): Req;
  /** Validation that needs the store (sync tokens) must throw here, before streaming starts. */
  run(req: Req, target: Resource, ctx: DavContext, sources: PropertySources): Promise<Multistatus>;
}

export function defineReport<Req>(h: ReportHandler<Req>): ReportHandler<Req> {
  return h;
}
