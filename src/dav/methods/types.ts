// The method-handler seam: one object per HTTP method (docs/architecture.md, "The seams").
import type { Privilege } from '../../policy/privileges.js';
import type { DavContext } from '../context.js';

export interface MethodHandler {
  readonly method: string;
  /**
   * When Allow offers the method (allow.ts): the privilege it needs on the request URL, there or
   * on members or collections only; 'never' for the methods the refusal catalogue refuses whatever is granted.
   */
  readonly allowed: { readonly privilege: Privilege; readonly on: 'any' | 'members' | 'collections' } | 'never';
  handle(ctx: DavContext): Promise<void>;
}
