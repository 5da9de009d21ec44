// The URL space: which resource a path names, and the one place hrefs are built. Every href is an
// absolute path (Outlook prepends scheme://authority), collections end in '/', member names are
// [A-Za-z0-9._-] so encoded and decoded forms agree.
import { isAddressBook, type Collection, type Principal } from '../storage/types.js';

export const DAV_ROOT = '/dav/';

export type Resource =
  | { readonly kind: 'root'; readonly path: string }
  | { readonly kind: 'principals' }
  | { readonly kind: 'principal'; readonly principal: Principal }
  | { readonly kind: 'calendar-home'; readonly home: Principal }
  | { readonly kind: 'addressbook-home'; readonly home: Principal }
  | { readonly kind: 'calendar'; readonly collection: Collection }
  | { readonly kind: 'addressbook'; readonly collection: Collection }
  | { readonly kind: 'calendar-object'; readonly collection: Collection; readonly name: string }
  | { readonly kind: 'address-object'; readonly collection: Collection; readonly name: string };

export type ResourceKind = Resource['kind'];
export type CollectionResource = Extract<Resource, { kind: 'calendar' | 'addressbook' }>;
export type ObjectResource = Extract<Resource, { kind: 'calendar-object' | 'address-object' }>;

export const isCollectionResource = (r: Resource): r is CollectionResource =>
  r.kind === 'calendar' || r.kind === 'addressbook';
export const isObjectResource = (r: Resource): r is ObjectResource =>
  r.kind === 'calendar-object' || r.kind === 'address-object';

/** Resources that contain members listed with Depth: 1. */
export const isContainer = (r: Resource): boolean => !isObjectResource(r);

const seg = (s: string) => encodeURIComponent(s);

export const href = {
  root: () => DAV_ROOT,
  principals: () => `${DAV_ROOT}principals/`,
  principal: (p: Principal) => `${DAV_ROOT}principals/${seg(p.username)}/`,
  calendarHome: (p: Principal) => `${DAV_ROOT}calendars/${seg(p.username)}/`,
  addressbookHome: (p: Principal) => `${DAV_ROOT}addressbooks/${seg(p.username)}/`,
  collection: (c: Collection) =>
    isAddressBook(c.type)
      ? `${href.addressbookHome(c.home)}${seg(c.slug)}/`
      : `${href.calendarHome(c.home)}${seg(c.slug)}/`,
  object: (c: Collection, name: string) => `${href.collection(c)}${seg(name)}`,
};

export function hrefOf(r: Resource): string {
  switch (r.kind) {
    case 'root':
      return r.path;
    case 'principals':
      return href.principals();
    case 'principal':
      return href.principal(r.principal);
    case 'calendar-home':
      return href.calendarHome(r.home);
    case 'addressbook-home':
      return href.addressbookHome(r.home);
    case 'calendar':
    case 'addressbook':
      return href.collection(r.collection);
    case 'calendar-object':
    case 'address-object':
      return href.object(r.collection, r.name);
  }
}

/** A path split into decoded segments; undefined when it is not valid percent-encoding. */
export function pathSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Accepts hrefs as full URLs or paths (multiget), returning the path. */
export function pathOfHref(h: string): string {
  const t = h.trim();
  if (/^https?:\/\//i.test(t)) {
    try {
      return new URL(t).pathname;
    } catch {
      return t;
    }
  }
  return t;
}

export const OBJECT_NAME = /^[A-Za-z0-9._-]+$/;
