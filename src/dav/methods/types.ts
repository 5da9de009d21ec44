// The method-handler seam: one object per HTTP method (docs/architecture.md, "The seams").
import type { DavContext } from '../context.js';

export interface MethodHandler {
  readonly method: string;
  handle(ctx: DavContext): Promise<void>;
}
