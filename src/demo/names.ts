// Word lists for the demo firm: Swiss names, places with postal codes and cantons, streets, subjects.

export type Lang = 'de' | 'fr' | 'it' | 'en';
export type RegionLang = 'de' | 'fr' | 'it';

export const FIRM = {
  name: 'Alpenblick Versicherungsbroker AG',
  domain: 'alpenblick-broker.example', // reserved TLD (RFC 2606): no demo mail can reach anyone
  offices: { de: 'Büro Zürich', fr: 'Bureau Lausanne', it: 'Ufficio Lugano', en: 'Büro Zürich' } as Record<Lang, string>,
};

export interface EmployeeSeed {
  readonly firstName: string;
  readonly lastName: string;
  readonly language: Lang;
}

/** The firm's staff; the first is the demo login, the last one has left the firm (inactive). */
export const CORE_EMPLOYEES: readonly EmployeeSeed[] = [
  { firstName: 'Anna', lastName: 'Meier', language: 'de' },
  { firstName: 'Luca', lastName: 'Rossi', language: 'it' },
  { firstName: 'Chloé', lastName: 'Dubois', language: 'fr' },
  { firstName: 'Jürg', lastName: 'Brändli', language: 'de' },
  { firstName: 'Martina', lastName: 'Zürcher', language: 'de' },
  { firstName: 'Stéphane', lastName: 'Rochat', language: 'fr' },
  { firstName: 'Sarah', lastName: 'Thompson', language: 'en' },
];
export const INACTIVE_EMPLOYEE: EmployeeSeed = { firstName: 'Beat', lastName: 'Schnyder', language: 'de' };

export const FIRST_NAMES: Record<Lang, { female: readonly string[]; male: readonly string[] }> = {
  de: {
    female: ['Anna', 'Barbara', 'Claudia', 'Daniela', 'Doris', 'Elisabeth', 'Franziska', 'Gabriela', 'Jana', 'Karin', 'Lea', 'Monika', 'Nicole', 'Regula', 'Ruth', 'Sandra', 'Silvia', 'Ursula', 'Verena', 'Yvonne', 'Käthi', 'Mägi', 'Lena', 'Mia'],
    male: ['Andreas', 'Beat', 'Christian', 'Daniel', 'Fabian', 'Hans', 'Jürg', 'Kurt', 'Lukas', 'Markus', 'Martin', 'Matthias', 'Patrick', 'Peter', 'Reto', 'Roger', 'Stefan', 'Thomas', 'Urs', 'Walter', 'Ueli', 'Rüdiger', 'Jörg', 'Noah', 'Levin'],
  },
  fr: {
    female: ['Amélie', 'Aurélie', 'Camille', 'Céline', 'Chloé', 'Élodie', 'Émilie', 'Hélène', 'Isabelle', 'Joëlle', 'Léa', 'Manon', 'Mélanie', 'Nathalie', 'Noémie', 'Sophie', 'Valérie', 'Zoé'],
    male: ['Alain', 'André', 'Benoît', 'Cédric', 'Christophe', 'François', 'Frédéric', 'Jérôme', 'Julien', 'Laurent', 'Mathieu', 'Nicolas', 'Olivier', 'Pascal', 'Raphaël', 'Sébastien', 'Stéphane', 'Yves'],
  },
  it: {
    female: ['Alessandra', 'Chiara', 'Elena', 'Federica', 'Francesca', 'Giulia', 'Laura', 'Lucia', 'Martina', 'Paola', 'Sara', 'Silvia', 'Valentina'],
    male: ['Alessandro', 'Andrea', 'Davide', 'Fabio', 'Filippo', 'Giorgio', 'Giovanni', 'Luca', 'Marco', 'Matteo', 'Niccolò', 'Paolo', 'Simone'],
  },
  en: {
    female: ['Emily', 'Sarah', 'Olivia', 'Charlotte', 'Grace'],
    male: ['James', 'Oliver', 'William', 'George', 'Daniel'],
  },
};

export const LAST_NAMES: Record<Lang, readonly string[]> = {
  de: ['Meier', 'Müller', 'Schmid', 'Keller', 'Weber', 'Huber', 'Schneider', 'Steiner', 'Fischer', 'Gerber', 'Brunner', 'Baumann', 'Frei', 'Zimmermann', 'Moser', 'Widmer', 'Wyss', 'Graf', 'Roth', 'Bühler', 'Bächtold', 'Häfliger', 'Schläpfer', 'Nüesch', 'Künzli', 'Zürcher', 'Stöckli', 'Lüthi', 'von Allmen', 'Ammann', 'Sutter', 'Kälin', 'Hug', 'Marti', 'Egli'],
  fr: ['Dubois', 'Favre', 'Rochat', 'Blanc', 'Chevalier', 'Bonvin', 'Perrin', 'Girard', 'Mercier', 'Jaquet', 'Rey', 'Pittet', 'Clément', 'Décosterd', 'Joly', 'Vuilleumier', 'Berset', 'Crausaz', 'Maillard', 'Besson', 'de Montmollin', 'Frésard'],
  it: ['Rossi', 'Bernasconi', 'Ferrari', 'Colombo', 'Bianchi', 'Fontana', 'Galli', 'Pedrazzini', 'Lurati', 'Bernardi', 'Cattaneo', 'Rezzonico', 'Balestra', 'Crivelli', 'Nessi', 'Della Casa', 'Canepa'],
  en: ['Smith', 'Thompson', 'Walker', 'Hughes', 'Bennett', "O'Connor"],
};

export interface Place {
  readonly postalCode: string;
  readonly city: string;
  readonly canton: string;
  readonly lang: RegionLang;
  /** Phone area code without the leading 0, e.g. '44'. */
  readonly area: string;
  readonly weight: number;
}

export const PLACES: readonly Place[] = [
  { postalCode: '8001', city: 'Zürich', canton: 'ZH', lang: 'de', area: '44', weight: 12 },
  { postalCode: '8004', city: 'Zürich', canton: 'ZH', lang: 'de', area: '44', weight: 6 },
  { postalCode: '8032', city: 'Zürich', canton: 'ZH', lang: 'de', area: '44', weight: 5 },
  { postalCode: '8050', city: 'Zürich', canton: 'ZH', lang: 'de', area: '44', weight: 5 },
  { postalCode: '8400', city: 'Winterthur', canton: 'ZH', lang: 'de', area: '52', weight: 5 },
  { postalCode: '8610', city: 'Uster', canton: 'ZH', lang: 'de', area: '44', weight: 3 },
  { postalCode: '8600', city: 'Dübendorf', canton: 'ZH', lang: 'de', area: '44', weight: 3 },
  { postalCode: '8302', city: 'Kloten', canton: 'ZH', lang: 'de', area: '44', weight: 2 },
  { postalCode: '8800', city: 'Thalwil', canton: 'ZH', lang: 'de', area: '44', weight: 2 },
  { postalCode: '8910', city: 'Affoltern am Albis', canton: 'ZH', lang: 'de', area: '44', weight: 1 },
  { postalCode: '3011', city: 'Bern', canton: 'BE', lang: 'de', area: '31', weight: 6 },
  { postalCode: '3600', city: 'Thun', canton: 'BE', lang: 'de', area: '33', weight: 3 },
  { postalCode: '3800', city: 'Interlaken', canton: 'BE', lang: 'de', area: '33', weight: 1 },
  { postalCode: '2502', city: 'Biel/Bienne', canton: 'BE', lang: 'de', area: '32', weight: 2 },
  { postalCode: '4051', city: 'Basel', canton: 'BS', lang: 'de', area: '61', weight: 6 },
  { postalCode: '4410', city: 'Liestal', canton: 'BL', lang: 'de', area: '61', weight: 2 },
  { postalCode: '6003', city: 'Luzern', canton: 'LU', lang: 'de', area: '41', weight: 4 },
  { postalCode: '6300', city: 'Zug', canton: 'ZG', lang: 'de', area: '41', weight: 3 },
  { postalCode: '6330', city: 'Cham', canton: 'ZG', lang: 'de', area: '41', weight: 1 },
  { postalCode: '9000', city: 'St. Gallen', canton: 'SG', lang: 'de', area: '71', weight: 4 },
  { postalCode: '8640', city: 'Rapperswil-Jona', canton: 'SG', lang: 'de', area: '55', weight: 2 },
  { postalCode: '9500', city: 'Wil', canton: 'SG', lang: 'de', area: '71', weight: 1 },
  { postalCode: '5000', city: 'Aarau', canton: 'AG', lang: 'de', area: '62', weight: 3 },
  { postalCode: '5400', city: 'Baden', canton: 'AG', lang: 'de', area: '56', weight: 3 },
  { postalCode: '4600', city: 'Olten', canton: 'SO', lang: 'de', area: '62', weight: 2 },
  { postalCode: '4500', city: 'Solothurn', canton: 'SO', lang: 'de', area: '32', weight: 2 },
  { postalCode: '8200', city: 'Schaffhausen', canton: 'SH', lang: 'de', area: '52', weight: 2 },
  { postalCode: '8500', city: 'Frauenfeld', canton: 'TG', lang: 'de', area: '52', weight: 2 },
  { postalCode: '7000', city: 'Chur', canton: 'GR', lang: 'de', area: '81', weight: 2 },
  { postalCode: '7500', city: 'St. Moritz', canton: 'GR', lang: 'de', area: '81', weight: 1 },
  { postalCode: '6430', city: 'Schwyz', canton: 'SZ', lang: 'de', area: '41', weight: 1 },
  { postalCode: '6460', city: 'Altdorf', canton: 'UR', lang: 'de', area: '41', weight: 1 },
  { postalCode: '6060', city: 'Sarnen', canton: 'OW', lang: 'de', area: '41', weight: 1 },
  { postalCode: '6370', city: 'Stans', canton: 'NW', lang: 'de', area: '41', weight: 1 },
  { postalCode: '8750', city: 'Glarus', canton: 'GL', lang: 'de', area: '55', weight: 1 },
  { postalCode: '9050', city: 'Appenzell', canton: 'AI', lang: 'de', area: '71', weight: 1 },
  { postalCode: '9100', city: 'Herisau', canton: 'AR', lang: 'de', area: '71', weight: 1 },
  { postalCode: '3900', city: 'Brig', canton: 'VS', lang: 'de', area: '27', weight: 1 },
  { postalCode: '1201', city: 'Genève', canton: 'GE', lang: 'fr', area: '22', weight: 5 },
  { postalCode: '1205', city: 'Genève', canton: 'GE', lang: 'fr', area: '22', weight: 3 },
  { postalCode: '1003', city: 'Lausanne', canton: 'VD', lang: 'fr', area: '21', weight: 5 },
  { postalCode: '1800', city: 'Vevey', canton: 'VD', lang: 'fr', area: '21', weight: 2 },
  { postalCode: '1820', city: 'Montreux', canton: 'VD', lang: 'fr', area: '21', weight: 2 },
  { postalCode: '1400', city: 'Yverdon-les-Bains', canton: 'VD', lang: 'fr', area: '24', weight: 2 },
  { postalCode: '1260', city: 'Nyon', canton: 'VD', lang: 'fr', area: '22', weight: 1 },
  { postalCode: '1110', city: 'Morges', canton: 'VD', lang: 'fr', area: '21', weight: 1 },
  { postalCode: '1700', city: 'Fribourg', canton: 'FR', lang: 'fr', area: '26', weight: 2 },
  { postalCode: '1630', city: 'Bulle', canton: 'FR', lang: 'fr', area: '26', weight: 1 },
  { postalCode: '2000', city: 'Neuchâtel', canton: 'NE', lang: 'fr', area: '32', weight: 2 },
  { postalCode: '2300', city: 'La Chaux-de-Fonds', canton: 'NE', lang: 'fr', area: '32', weight: 1 },
  { postalCode: '1950', city: 'Sion', canton: 'VS', lang: 'fr', area: '27', weight: 2 },
  { postalCode: '2800', city: 'Delémont', canton: 'JU', lang: 'fr', area: '32', weight: 1 },
  { postalCode: '6900', city: 'Lugano', canton: 'TI', lang: 'it', area: '91', weight: 4 },
  { postalCode: '6500', city: 'Bellinzona', canton: 'TI', lang: 'it', area: '91', weight: 2 },
  { postalCode: '6600', city: 'Locarno', canton: 'TI', lang: 'it', area: '91', weight: 2 },
  { postalCode: '6850', city: 'Mendrisio', canton: 'TI', lang: 'it', area: '91', weight: 1 },
  { postalCode: '6648', city: 'Minusio', canton: 'TI', lang: 'it', area: '91', weight: 1 },
];

export const STREETS: Record<RegionLang, readonly string[]> = {
  de: ['Bahnhofstrasse', 'Hauptstrasse', 'Dorfstrasse', 'Kirchgasse', 'Seestrasse', 'Bergstrasse', 'Schulstrasse', 'Lindenweg', 'Rosenweg', 'Gartenstrasse', 'Poststrasse', 'Industriestrasse', 'Mühlegasse', 'Feldstrasse', 'Sonnenbergstrasse', 'Rütistrasse', 'Zürcherstrasse', 'Bärenplatz', 'Marktgasse', 'Obere Hauptgasse', 'Im Grüt', 'Löwenstrasse', 'Sägereistrasse', 'Hönggerstrasse'],
  fr: ['Rue du Marché', 'Avenue de la Gare', 'Rue de Lausanne', 'Chemin des Vignes', 'Route de Berne', 'Rue du Lac', 'Place de la Gare', 'Avenue des Alpes', 'Rue de la Poste', 'Chemin du Bois-Gentil', 'Rue Centrale', 'Avenue de Rumine', 'Rue de l\'Industrie', 'Chemin de la Chênaie', 'Boulevard de Grancy'],
  it: ['Via Cantonale', 'Via Nassa', 'Corso San Gottardo', 'Via alla Stazione', 'Piazza Grande', 'Via Ginevra', 'Via San Gottardo', 'Viale Stefano Franscini', 'Via Lugano', 'Via ai Monti', 'Via Cattori', 'Via della Posta'],
};

export const PO_BOX: Record<RegionLang, string> = { de: 'Postfach', fr: 'Case postale', it: 'Casella postale' };

/** Street address extras that make a street field span two lines. */
export const STREET_PREFIX_LINES: Record<RegionLang, readonly string[]> = {
  de: ['c/o Treuhand Keller AG', 'Gebäude B, 3. Stock', 'Hintereingang', 'z. Hd. Buchhaltung'],
  fr: ['c/o Fiduciaire Perrin SA', 'Bâtiment C, 2e étage', 'Entrée sur la cour'],
  it: ['c/o Fiduciaria Galli SA', 'Stabile B, 1° piano', 'Entrata laterale'],
};

export interface ForeignPlace {
  readonly country: 'DE' | 'FR' | 'IT' | 'AT';
  readonly postalCode: string;
  readonly city: string;
  readonly region: string | null;
  readonly street: string;
  readonly phonePrefix: string;
  readonly lang: Lang;
}

export const FOREIGN_PLACES: readonly ForeignPlace[] = [
  { country: 'DE', postalCode: '79539', city: 'Lörrach', region: 'BW', street: 'Tumringer Straße', phonePrefix: '+49 7621', lang: 'de' },
  { country: 'DE', postalCode: '78462', city: 'Konstanz', region: 'BW', street: 'Marktstätte', phonePrefix: '+49 7531', lang: 'de' },
  { country: 'DE', postalCode: '80331', city: 'München', region: 'BY', street: 'Sendlinger Straße', phonePrefix: '+49 89', lang: 'de' },
  { country: 'FR', postalCode: '68300', city: 'Saint-Louis', region: null, street: 'Rue de Mulhouse', phonePrefix: '+33 3 89', lang: 'fr' },
  { country: 'FR', postalCode: '74100', city: 'Annemasse', region: null, street: 'Rue du Faucigny', phonePrefix: '+33 4 50', lang: 'fr' },
  { country: 'IT', postalCode: '22100', city: 'Como', region: 'CO', street: 'Via Vittorio Emanuele II', phonePrefix: '+39 031', lang: 'it' },
  { country: 'IT', postalCode: '20121', city: 'Milano', region: 'MI', street: 'Via Manzoni', phonePrefix: '+39 02', lang: 'it' },
  { country: 'AT', postalCode: '6900', city: 'Bregenz', region: 'Vorarlberg', street: 'Kornmarktstraße', phonePrefix: '+43 5574', lang: 'de' },
];

export const MOBILE_PREFIXES = ['76', '77', '78', '79'] as const;

// Reserved TLD (RFC 2606): a client that mails a demo contact reaches no one.
export const EMAIL_PROVIDERS = ['bluewin.example', 'gmx.example', 'sunrise.example', 'hispeed.example', 'mail.example'] as const;

export const ACADEMIC_TITLES = ['Dr.', 'Dr. med.', 'Prof. Dr.', 'lic. iur.', 'Dipl. Ing. ETH', 'Dr. iur.'] as const;

export const COMPANY_TYPES: Record<RegionLang, readonly { pattern: string; legal: readonly string[] }[]> = {
  de: [
    { pattern: 'Garage {name}', legal: ['AG', 'GmbH'] },
    { pattern: 'Schreinerei {name}', legal: ['GmbH', ''] },
    { pattern: '{name} Bau', legal: ['AG'] },
    { pattern: '{name} Treuhand', legal: ['AG', 'GmbH'] },
    { pattern: 'Bäckerei-Konditorei {name}', legal: ['', 'GmbH'] },
    { pattern: '{name} & {name2} Architekten', legal: ['AG'] },
    { pattern: 'Metzgerei {name}', legal: [''] },
    { pattern: '{name} Informatik', legal: ['AG', 'GmbH'] },
    { pattern: 'Praxis Dr. {name}', legal: [''] },
    { pattern: 'Gasthof Löwen', legal: ['AG'] },
    { pattern: '{city} Immobilien', legal: ['AG'] },
    { pattern: 'Elektro {name}', legal: ['AG', 'GmbH'] },
  ],
  fr: [
    { pattern: 'Boulangerie {name}', legal: ['Sàrl'] },
    { pattern: 'Garage du Lac {name}', legal: ['SA'] },
    { pattern: 'Fiduciaire {name}', legal: ['SA', 'Sàrl'] },
    { pattern: '{name} & Fils', legal: ['SA'] },
    { pattern: 'Domaine viticole {name}', legal: [''] },
    { pattern: 'Cabinet médical du Dr {name}', legal: [''] },
    { pattern: '{name} Constructions', legal: ['SA'] },
  ],
  it: [
    { pattern: 'Ristorante Al Porto', legal: ['SA'] },
    { pattern: 'Fiduciaria {name}', legal: ['SA', 'Sagl'] },
    { pattern: 'Falegnameria {name}', legal: ['Sagl'] },
    { pattern: '{name} Costruzioni', legal: ['SA'] },
    { pattern: 'Farmacia {name}', legal: ['SA'] },
  ],
};

/** Insurers the firm places business with (fictional names). */
export const INSURERS: readonly { name: string; lang: RegionLang }[] = [
  { name: 'Säntis Versicherungen AG', lang: 'de' },
  { name: 'Gotthard Leben AG', lang: 'de' },
  { name: 'Pilatus Krankenkasse', lang: 'de' },
  { name: 'Rheintal Rückversicherung AG', lang: 'de' },
  { name: 'Aare Rechtsschutz AG', lang: 'de' },
  { name: 'Léman Assurances SA', lang: 'fr' },
  { name: 'Jura Prévoyance SA', lang: 'fr' },
  { name: 'Ceresio Assicurazioni SA', lang: 'it' },
];

export const DEPARTMENTS: Record<RegionLang, readonly string[]> = {
  de: ['Geschäftsleitung', 'Finanzen', 'Personal', 'Einkauf', 'Verkauf', 'Schadenabteilung', 'Vertrieb Firmenkunden'],
  fr: ['Direction', 'Finances', 'Ressources humaines', 'Service des sinistres', 'Vente'],
  it: ['Direzione', 'Finanze', 'Risorse umane', 'Ufficio sinistri', 'Vendite'],
};

export const JOB_TITLES: Record<RegionLang, readonly string[]> = {
  de: ['Geschäftsführer', 'Inhaberin', 'Leiter Finanzen', 'Sachbearbeiterin', 'Key Account Manager', 'Leiterin Personal', 'Schadeninspektor', 'Verkaufsleiter'],
  fr: ['Directeur', 'Directrice financière', 'Gestionnaire sinistres', 'Responsable RH', 'Conseiller clientèle'],
  it: ['Direttore', 'Responsabile acquisti', 'Contabile', 'Ispettore sinistri', 'Consulente'],
};

export const CONTACT_NOTES: Record<RegionLang, readonly string[]> = {
  de: [
    'Rückruf erwünscht; bevorzugt vormittags.',
    'Hausrat, Haftpflicht und Rechtsschutz bei uns, Motorfahrzeug noch bei der Konkurrenz.\nVertrag läuft Ende Jahr aus.',
    'Sehr zufrieden mit der Schadenabwicklung 2023.',
    'Kontakt über Empfehlung von Familie Keller.',
    'Spricht lieber Schweizerdeutsch; Korrespondenz per Post, nicht per E-Mail.',
    'BVG-Lösung für 12 Mitarbeitende, Offerte Kollektiv-Krankentaggeld ausstehend.\nAnsprechperson Buchhaltung: Frau Widmer (Di/Do).',
    'Ordner: \\\\fileserver\\kunden\\2024 (Scan der Policen)',
    'Achtung: zwei Liegenschaften, Gebäudeversicherung kantonal.',
    'Termine nur nach 17 Uhr, arbeitet Schicht.',
  ],
  fr: [
    'Préfère être contacté par téléphone, le matin.',
    'Assurance ménage et RC chez nous; auto chez un concurrent.\nÉchéance au 31 décembre.',
    'Recommandé par M. Perrin, très satisfait du suivi.',
    'Deux véhicules, franchise de CHF 500.—, bonus 40 %.',
  ],
  it: [
    'Preferisce essere contattato al mattino.',
    'Economia domestica e RC con noi, auto presso la concorrenza.\nScadenza a fine anno.',
    'Cliente dal 2015; molto soddisfatto, segnala nuovi clienti.',
  ],
};

export const CATEGORIES = ['Kunde', 'Interessent', 'Versicherer', 'VIP', 'Partner'] as const;

export const TASK_SUBJECTS: Record<Lang, readonly string[]> = {
  de: [
    'Offerte Motorfahrzeugversicherung erstellen',
    'Police Hausrat prüfen',
    'Schadenmeldung nachfassen',
    'Rückruf wegen BVG-Anschluss',
    'Vertragsverlängerung besprechen',
    'Unterlagen Krankenkasse anfordern',
    'Jahresgespräch vorbereiten',
    'Kündigung Privathaftpflicht bearbeiten',
    'Prämienvergleich Gebäudeversicherung',
    'Maklermandat unterzeichnen lassen',
    'Deckungsübersicht aktualisieren',
    'Rechnung Courtage kontrollieren',
    'Vorsorgeanalyse Säule 3a erstellen',
    'Fahrzeugwechsel melden',
  ],
  fr: [
    'Établir une offre assurance auto',
    'Relancer la déclaration de sinistre',
    "Préparer l'entretien annuel",
    'Vérifier la police ménage',
    'Rappeler le client concernant la LPP',
    'Faire signer le mandat de courtage',
    'Comparer les primes assurance bâtiment',
  ],
  it: [
    'Preparare offerta assicurazione auto',
    'Sollecitare la denuncia di sinistro',
    'Verificare polizza economia domestica',
    'Richiamare il cliente per la LPP',
    'Preparare il colloquio annuale',
    'Far firmare il mandato di broker',
  ],
  en: [
    'Prepare motor insurance quote',
    'Follow up on claim',
    'Review household contents policy',
    'Call back about pension fund',
    'Prepare annual review meeting',
  ],
};

export const TASK_DESCRIPTIONS: Record<Lang, readonly string[]> = {
  de: ['Unterlagen liegen im Dossier.', 'Bitte bis Ende Woche erledigen.\nDanach an Martina zur Kontrolle.', 'Kunde hat per Telefon nachgefragt; Antwort per E-Mail.'],
  fr: ['Documents dans le dossier client.', 'À terminer avant la fin de la semaine.\nPuis transmettre pour contrôle.'],
  it: ['Documenti nel dossier del cliente.', 'Da completare entro fine settimana.'],
  en: ['Documents are in the client file.', 'Please finish by Friday.'],
};

export const MEETING_SUBJECTS: Record<Lang, readonly string[]> = {
  de: ['Beratungsgespräch', 'Jahresgespräch', 'Vertragsbesprechung', 'Schadenbesichtigung', 'Unterzeichnung Maklermandat', 'Vorsorgeberatung', 'Offertbesprechung'],
  fr: ['Entretien conseil', 'Entretien annuel', 'Signature du mandat', 'Expertise sinistre', 'Conseil prévoyance'],
  it: ['Colloquio di consulenza', 'Colloquio annuale', 'Firma del mandato', 'Sopralluogo sinistro', 'Consulenza previdenza'],
  en: ['Advisory meeting', 'Annual review', 'Policy review', 'Claim inspection'],
};

export const INTERNAL_SUBJECTS: Record<Lang, readonly string[]> = {
  de: ['Teamsitzung', 'Weekly Broker-Team', 'Schulung neues Tarifsystem', 'Mitarbeitergespräch', 'Budgetplanung', 'Telefonkonferenz mit Versicherer'],
  fr: ["Séance d'équipe", 'Formation nouveau tarif', 'Entretien collaborateur', 'Conférence téléphonique assureur'],
  it: ['Riunione di team', 'Formazione nuova tariffa', 'Colloquio collaboratore', 'Conferenza telefonica con assicuratore'],
  en: ['Team meeting', 'Training: new tariff system', 'One-to-one', 'Call with insurer'],
};

export const PRIVATE_SUBJECTS: Record<Lang, readonly string[]> = {
  de: ['Zahnarzt', 'Arzttermin', 'Kinder abholen', 'Coiffeur', 'Elternabend', 'Privat'],
  fr: ['Dentiste', 'Rendez-vous médical', 'Chercher les enfants', 'Coiffeur', 'Privé'],
  it: ['Dentista', 'Visita medica', 'Prendere i bambini', 'Parrucchiere', 'Privato'],
  en: ['Dentist', 'Doctor', 'Pick up kids', 'Private'],
};

export const ALL_DAY_SUBJECTS: Record<Lang, { single: readonly string[]; multi: readonly string[] }> = {
  de: { single: ['Homeoffice', 'Weiterbildung VBV', 'Betriebsausflug', 'Kompensation'], multi: ['Ferien', 'Weiterbildung Versicherungsfachmann', 'Messe Swissbau', 'Militärdienst'] },
  fr: { single: ['Télétravail', 'Formation AFA', 'Sortie du personnel'], multi: ['Vacances', 'Salon Habitat-Jardin', 'Cours de perfectionnement'] },
  it: { single: ['Telelavoro', 'Formazione AFA', 'Gita aziendale'], multi: ['Vacanze', 'Fiera Espoprofessioni', 'Corso di aggiornamento'] },
  en: { single: ['Working from home', 'Training day'], multi: ['Holiday', 'Conference'] },
};

export const RECURRING_SUBJECTS: Record<Lang, readonly string[]> = {
  de: ['Wochenrapport', 'Jour fixe Geschäftsleitung', 'Monatsabschluss Courtagen', 'Sprechstunde Kunden', 'Pikett Schadenhotline'],
  fr: ['Rapport hebdomadaire', 'Séance de direction', 'Clôture mensuelle', 'Permanence clients'],
  it: ['Rapporto settimanale', 'Riunione di direzione', 'Chiusura mensile', 'Sportello clienti'],
  en: ['Weekly report', 'Management jour fixe', 'Monthly close'],
};

/** Series with a customer (the subject is followed by the customer's name). */
export const RECURRING_CUSTOMER_SUBJECTS: Record<Lang, readonly string[]> = {
  de: ['Monatsgespräch', 'Quartalsgespräch', 'Regelmässiger Austausch', 'Baustellenbegehung'],
  fr: ['Point mensuel', 'Entretien trimestriel', 'Suivi régulier'],
  it: ['Punto mensile', 'Colloquio trimestrale', 'Incontro periodico'],
  en: ['Monthly check-in', 'Quarterly review'],
};

/** Weekly all-day series. */
export const WEEKLY_ALL_DAY_SUBJECTS: Record<Lang, string> = { de: 'Homeoffice', fr: 'Télétravail', it: 'Telelavoro', en: 'Working from home' };

export const INTERNAL_LOCATIONS: Record<Lang, readonly string[]> = {
  de: ['Büro Zürich, Sitzungszimmer Rigi', 'Büro Zürich, Sitzungszimmer Säntis', 'Microsoft Teams', 'Telefon'],
  fr: ['Bureau Lausanne, salle Léman', 'Microsoft Teams', 'Téléphone'],
  it: ['Ufficio Lugano, sala Ceresio', 'Microsoft Teams', 'Telefono'],
  en: ['Zurich office, room Rigi', 'Microsoft Teams', 'Phone'],
};

/** Long texts used to produce subjects and locations close to the 150-character column limit. */
export const LONG_SUBJECT_TAILS: Record<Lang, string> = {
  de: 'Besprechung der gesamten Versicherungssituation inklusive Gebäude-, Hausrat-, Haftpflicht-, Rechtsschutz- und Motorfahrzeugversicherung sowie der beruflichen Vorsorge und Säule 3a',
  fr: "Discussion de l'ensemble de la situation d'assurance : bâtiment, ménage, responsabilité civile, protection juridique, véhicules à moteur ainsi que prévoyance professionnelle",
  it: "Discussione dell'intera situazione assicurativa: stabile, economia domestica, responsabilità civile, protezione giuridica, veicoli a motore e previdenza professionale",
  en: 'Discussion of the complete insurance situation including building, household contents, liability, legal protection and motor insurance as well as occupational pension',
};

export const LONG_LOCATION_TAILS: Record<Lang, string> = {
  de: 'Sitzungszimmer im 3. Obergeschoss, bitte am Empfang melden; Besucherparkplätze im Innenhof (Einfahrt über die Hintergasse), Zugang rollstuhlgängig über den Lift',
  fr: "salle de conférence au 3e étage, merci de vous annoncer à la réception; places visiteurs dans la cour intérieure (accès par la ruelle), accès en fauteuil roulant",
  it: "sala riunioni al terzo piano, annunciarsi alla reception; parcheggi per visitatori nel cortile interno (accesso dal vicolo), accesso per sedie a rotelle con ascensore",
  en: 'meeting room on the third floor, please report to reception; visitor parking in the inner courtyard (access via the back lane), wheelchair access via the lift',
};

export const TRAVEL: readonly { subject: string; location: string; timeZone: string }[] = [
  { subject: 'Lloyd’s Market Briefing', location: 'One Lime Street, London EC3M 7HA', timeZone: 'Europe/London' },
  { subject: 'Reinsurance Rendezvous Call', location: 'New York, 1 Liberty Plaza', timeZone: 'America/New_York' },
  { subject: 'Asia Pacific Broker Summit', location: 'Marina Bay Sands, Singapore', timeZone: 'Asia/Singapore' },
];

/** ASCII form for usernames and mailboxes: umlauts become ae/oe/ue, other accents are dropped. */
export function asciiFold(text: string): string {
  return text
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/Ä/g, 'Ae')
    .replace(/Ö/g, 'Oe')
    .replace(/Ü/g, 'Ue')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/** 'Chloé', 'Dubois' → 'chloe.dubois'; 'von Allmen' → 'vonallmen'. */
export function mailbox(firstName: string, lastName: string): string {
  const part = (s: string) => asciiFold(s).toLowerCase().replace(/[^a-z0-9-]/g, '');
  return `${part(firstName)}.${part(lastName)}`;
}
