// addressbook-query filters (RFC 6352 §10.5): the typed model, its parser and the reference
// matcher for one vCard. address-data (§10.4) lives in address-data.ts and is re-exported here.
import type ICAL from 'ical.js';
import { badRequest, supportedCollation } from '../dav-error.js';
import { NS, splitClark } from '../xml/names.js';
import type { XmlElement } from '../xml/parse.js';
import { parseTextMatch, textMatches, type TextMatch, type TextMatchSyntax } from './collation.js';
import { parameterValues, propertyText } from './values.js';

export { applyAddressData, parseAddressData, type AddressDataProp, type AddressDataRequest } from './address-data.js';
export type { TextMatch } from './collation.js';

export type FilterTest = 'anyof' | 'allof';

export interface AddressParamFilter {
  /** Upper-case parameter name. */
  readonly name: string;
  readonly isNotDefined: boolean;
  readonly textMatch: TextMatch | null;
}

export interface AddressPropFilter {
  /** Upper-case property name. */
  readonly name: string;
  /** How the text-matches and param-filters combine, for one instance of the property. */
  readonly test: FilterTest;
  readonly isNotDefined: boolean;
  readonly textMatches: readonly TextMatch[];
  readonly paramFilters: readonly AddressParamFilter[];
}

/** A CARDDAV:filter; without prop-filters it matches every card. */
export interface AddressFilter {
  readonly test: FilterTest;
  readonly propFilters: readonly AddressPropFilter[];
}

const invalid = (why: string) => badRequest(`invalid CARDDAV:filter: ${why}`);

const TEXT_MATCH: TextMatchSyntax = {
  defaultCollation: 'i;unicode-casemap',
  invalid,
  unsupportedCollation: (c) => supportedCollation(c, true),
};

function testOf(el: XmlElement): FilterTest {
  const test = el.attrs.get('test') ?? 'anyof';
  if (test !== 'anyof' && test !== 'allof') throw invalid(`test="${test}" is neither anyof nor allof`);
  return test;
}

function nameOf(el: XmlElement, what: string): string {
  const name = el.attrs.get('name')?.trim();
  if (!name) throw invalid(`${what} needs a name`);
  return name.toUpperCase();
}

/** CARDDAV children; other namespaces are ignored, unknown CARDDAV elements refused. */
function carddavChildren(el: XmlElement, allowed: readonly string[], where: string): XmlElement[] {
  return el.children.filter((c) => {
    const { ns, local } = splitClark(c.name);
    if (ns !== NS.CARDDAV) return false;
    if (!allowed.includes(local)) throw invalid(`CARDDAV:${local} is not allowed in ${where}`);
    return true;
  });
}

const local = (el: XmlElement) => splitClark(el.name).local;

function parseParamFilter(el: XmlElement, prop: string): AddressParamFilter {
  const name = nameOf(el, 'param-filter');
  const where = `param-filter ${name} of ${prop}`;
  const kids = carddavChildren(el, ['is-not-defined', 'text-match'], where);
  if (kids.length > 1) throw invalid(`${where} holds at most one is-not-defined or text-match`);
  const only = kids[0];
  return {
    name,
    isNotDefined: only !== undefined && local(only) === 'is-not-defined',
    textMatch: only !== undefined && local(only) === 'text-match' ? parseTextMatch(only, TEXT_MATCH) : null,
  };
}

function parsePropFilter(el: XmlElement): AddressPropFilter {
  const name = nameOf(el, 'prop-filter');
  const where = `prop-filter ${name}`;
  const kids = carddavChildren(el, ['is-not-defined', 'text-match', 'param-filter'], where);
  const isNotDefined = kids.some((k) => local(k) === 'is-not-defined');
  if (isNotDefined && kids.length > 1) throw invalid(`${where}: is-not-defined excludes other conditions`);
  return {
    name,
    test: testOf(el),
    isNotDefined,
    textMatches: kids.filter((k) => local(k) === 'text-match').map((k) => parseTextMatch(k, TEXT_MATCH)),
    paramFilters: kids.filter((k) => local(k) === 'param-filter').map((k) => parseParamFilter(k, name)),
  };
}

/**
 * Parses CARDDAV:filter (RFC 6352 §10.5). Malformed filters throw DavError 400, unknown
 * collations 403 CARDDAV:supported-collation.
 */
export function parseAddressbookFilter(filterEl: XmlElement): AddressFilter {
  const kids = carddavChildren(filterEl, ['prop-filter'], 'CARDDAV:filter');
  return { test: testOf(filterEl), propFilters: kids.map(parsePropFilter) };
}

function matchesParamFilter(pf: AddressParamFilter, p: ICAL.Property): boolean {
  const values = parameterValues(p, pf.name);
  if (pf.isNotDefined) return values.length === 0;
  if (values.length === 0) return false;
  const tm = pf.textMatch;
  return tm ? values.some((v) => textMatches(tm, v)) : true;
}

/**
 * RFC 6352 §10.5.1: some instance of the property passes the prop-filter's tests, combined by
 * its `test` attribute. Structured values (N, ADR) are matched as their whole text.
 */
function matchesPropFilter(pf: AddressPropFilter, vcard: ICAL.Component): boolean {
  const props = vcard.getAllProperties(pf.name.toLowerCase());
  if (pf.isNotDefined) return props.length === 0;
  if (pf.textMatches.length === 0 && pf.paramFilters.length === 0) return props.length > 0;
  return props.some((p) => {
    const text = pf.textMatches.length ? propertyText(p) : '';
    const tests = [
      ...pf.textMatches.map((tm) => () => textMatches(tm, text)),
      ...pf.paramFilters.map((q) => () => matchesParamFilter(q, p)),
    ];
    return pf.test === 'allof' ? tests.every((t) => t()) : tests.some((t) => t());
  });
}

/** The reference matcher for addressbook-query; property and parameter names are case-insensitive. */
export function matchesAddressFilter(f: AddressFilter, vcard: ICAL.Component): boolean {
  if (f.propFilters.length === 0) return true;
  try {
    return f.test === 'allof'
      ? f.propFilters.every((pf) => matchesPropFilter(pf, vcard))
      : f.propFilters.some((pf) => matchesPropFilter(pf, vcard));
  } catch {
    return false; // a value ical.js cannot decode; the caller streams a 207 and must not throw
  }
}
