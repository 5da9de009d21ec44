// How much structure a request body may have. Every DAV request a client really sends is far
// below these (the largest are multigets: one href per member, MAX_RECORDS at most); an attacker's
// body is refused at the first limit it crosses, so parsing work stays linear in the body and small.

export const XML_LIMITS = {
  /** Nesting depth: the deepest real body (a calendar-query filter) has 8 levels. */
  depth: 64,
  /**
   * Elements in the document: a multiget of 2,000 hrefs (MAX_HREFS; Thunderbird sends 500) plus
   * its prop request fits. Parsing 4,000 elements takes 10 to 50 ms on a busy 2-core machine;
   * the event loop's budget per request is 100 ms.
   */
  elements: 4_000,
  /** Attributes (namespace declarations included) on one element. */
  attributesPerElement: 32,
  /** Namespace declarations in the whole document (clients declare 2 to 5, on the root). */
  namespaceDeclarations: 256,
  /** Characters of one element or attribute name (prefix included). */
  nameLength: 256,
  /** Characters of one namespace URI or attribute value. */
  attributeValueLength: 4_096,
  /** Characters of text in one element (hrefs, sync tokens, text-match values). */
  textLength: 65_536,
} as const;

/** Which limit a body crossed; a clear 413 for the client, not a malformed-XML 400. */
export class XmlLimitError extends Error {
  override readonly name = 'XmlLimitError';
  constructor(
    readonly limit: keyof typeof XML_LIMITS,
    message: string,
  ) {
    super(message);
  }
}
