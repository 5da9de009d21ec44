// Request bodies as real clients send them (test/fixtures/requests/<client>/*.xml), ready to send.
import { readFileSync } from 'node:fs';

/** A loader of one client's request bodies: the provenance comment removed, `{{placeholders}}` filled. */
export function requestFixtures(client: string): (name: string, vars?: Record<string, string>) => string {
  const dir = new URL(`../fixtures/requests/${client}/`, import.meta.url);
  return (name, vars = {}) => {
    let text = readFileSync(new URL(name, dir), 'utf8').replace(/^<!--[\s\S]*?-->\r?\n/, '');
    for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, v);
    if (/\{\{\w+\}\}/.test(text)) throw new Error(`fixture ${name}: unfilled placeholder`);
    return text;
  };
}
