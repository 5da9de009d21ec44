// Accept-Language among de, fr, it and en (for answers to nobody signed in), and the collection
// names with French elision.
import { describe, expect, it } from 'vitest';
import { collectionText } from '../../../src/i18n/collections.js';
import { pickLanguage } from '../../../src/i18n/negotiate.js';

describe('pickLanguage', () => {
  it.each([
    [undefined, 'de'],
    ['', 'de'],
    ['fr-CH', 'fr'],
    ['it-CH,it;q=0.9,de;q=0.8', 'it'],
    ['de-CH,de;q=0.9,en;q=0.8', 'de'],
    ['en-GB', 'en'],
    ['fr-CH, de;q=0.8, en;q=0.5', 'fr'],
    ['en;q=0.5, it;q=0.7', 'it'],
    ['en;q=0, fr;q=0', 'de'],
    ['en;q=0, it', 'it'],
    ['es, pt;q=0.9, *;q=0.1', 'de'],
    ['es, en;q=0.2', 'en'],
    ['english, fra', 'de'],
    ['fr;q=0.8, en;q=0.8', 'fr'],
    ['FR-ch', 'fr'],
    ['it;q=abc, en;q=0.1', 'en'],
  ] as const)('%s → %s', (header, lang) => {
    expect(pickLanguage(header)).toBe(lang);
  });

  it('reads only the start of a huge header', () => {
    expect(pickLanguage(`${'xx, '.repeat(10_000)}fr`)).toBe('de');
  });
});

describe('collection names', () => {
  it('keeps German and English as they were', () => {
    expect(collectionText('de', 'events-name')).toBe('Termine');
    expect(collectionText('de', 'shared-name', { name: 'Anna Meier' })).toBe('Termine von Anna Meier');
    expect(collectionText('en', 'shared-name', { name: 'Anna Meier' })).toBe("Anna Meier's appointments");
    expect(collectionText('en', 'shared-description', { name: 'Anna Meier' })).toBe("Anna Meier's calendar (read-only)");
  });

  it('elides French "de" before a vowel, not before a consonant or a German h', () => {
    expect(collectionText('fr', 'shared-name', { name: 'Anna Meier' })).toBe("Rendez-vous d'Anna Meier");
    expect(collectionText('fr', 'shared-description', { name: 'Émile Favre' })).toBe("Calendrier d'Émile Favre (lecture seule)");
    expect(collectionText('fr', 'shared-name', { name: 'Yves Rochat' })).toBe("Rendez-vous d'Yves Rochat");
    expect(collectionText('fr', 'shared-name', { name: 'Beat Keller' })).toBe('Rendez-vous de Beat Keller');
    expect(collectionText('fr', 'shared-name', { name: 'Hans Muster' })).toBe('Rendez-vous de Hans Muster');
  });

  it('names Italian and French collections in their language', () => {
    expect(collectionText('it', 'shared-name', { name: 'Anna Meier' })).toBe('Appuntamenti di Anna Meier');
    expect(collectionText('it', 'shared-description', { name: 'Anna Meier' })).toBe('Calendario di Anna Meier (sola lettura)');
    expect(['contacts', 'events', 'tasks'].map((t) => collectionText('fr', `${t as 'contacts'}-name`))).toEqual(['Contacts', 'Rendez-vous', 'Tâches']);
    expect(['contacts', 'events', 'tasks'].map((t) => collectionText('it', `${t as 'contacts'}-name`))).toEqual(['Contatti', 'Appuntamenti', 'Attività']);
  });
});
