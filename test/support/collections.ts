// The URLs of a user's own collections, as src/dav/resources.ts serves them.

export const KONTAKTE = (user: string) => `/dav/addressbooks/${user}/kontakte/`;
export const TERMINE = (user: string) => `/dav/calendars/${user}/termine/`;
export const AUFGABEN = (user: string) => `/dav/calendars/${user}/aufgaben/`;
