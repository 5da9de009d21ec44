// Client text copied into audit reasons, refusal messages and logs is cut to a bounded length: a
// 250 KB UID in a refused PUT must not become a 250,000-character audit row or log line.

/** Longest piece of client text (a UID, a header value, a property value) quoted in a reason. */
export const MAX_CLIENT_FIELD = 200;

/** `text` cut to at most `max` characters, the cut marked with an ellipsis. */
export function clip(text: string, max = MAX_CLIENT_FIELD): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never split a surrogate pair: half of one is no character.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
