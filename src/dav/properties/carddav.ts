// RFC 6352 §6, §7 address book and principal properties.
import { href } from '../resources.js';
import { CARDDAV } from '../xml/names.js';
import { defineProperty, discoveredPrincipal, DISCOVERY, hrefValue } from './registry.js';

/** Largest photo served, in bytes: photos are downscaled JPEGs, far below this. */
export const MAX_IMAGE_SIZE = 256 * 1024;

export const carddavProperties = [
  defineProperty({
    name: CARDDAV.addressbookHomeSet,
    inAllprop: false,
    on: DISCOVERY,
    get: ({ resource: r }, sources) => {
      const p = discoveredPrincipal(r, sources);
      return p ? hrefValue(href.addressbookHome(p)) : undefined;
    },
  }),
  defineProperty({
    name: CARDDAV.addressbookDescription,
    inAllprop: true,
    on: ['addressbook'],
    get: ({ resource: r }) => (r.kind === 'addressbook' ? { text: r.collection.description } : undefined),
  }),
  defineProperty({
    name: CARDDAV.supportedAddressData,
    inAllprop: false,
    on: ['addressbook'],
    // 3.0 only: iOS and macOS mishandle books that advertise 4.0 (sabre/dav 1.7.5). 4.0 is still
    // served to clients that ask for it in address-data or Accept.
    get: () => ({ children: [{ name: CARDDAV.addressDataType, attrs: { 'content-type': 'text/vcard', version: '3.0' } }] }),
  }),
  defineProperty({
    name: CARDDAV.maxResourceSize,
    inAllprop: false,
    on: ['addressbook'],
    get: (_t, sources) => ({ text: String(sources.config.maxResourceSize) }),
  }),
  defineProperty({ name: CARDDAV.maxImageSize, inAllprop: false, on: ['addressbook'], get: () => ({ text: String(MAX_IMAGE_SIZE) }) }),
  defineProperty({
    name: CARDDAV.supportedCollationSet,
    inAllprop: false,
    on: ['addressbook'],
    get: () => ({
      children: ['i;unicode-casemap', 'i;ascii-casemap', 'i;octet'].map((c) => ({ name: CARDDAV.supportedCollation, text: c })),
    }),
  }),
];
