// Which ical.js Timezone objects are the server's own (built from its VTIMEZONE of an IANA zone):
// the clock reads those from the offset table instead of through ical.js. The renderer registers
// each zone it builds (src/ical/parse-rendered.ts), so time math needs nothing from the layers above.

const ours = new WeakSet<object>();

export function markServerZone(zone: object): void {
  ours.add(zone);
}

export function isServerZone(zone: object): boolean {
  return ours.has(zone);
}
