// The method-handler seam: one object per HTTP method (style.md §5).
import type { DavContext } from '../context.js';

export interface MethodHandler {
  readonly method: string;
  handle(ctx: DavContext): Promise<void>;
}
