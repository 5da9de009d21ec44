// The import graph of src/ and the layering rules of docs/architecture.md ("Rules of direction"),
// as pure functions over file texts, so the boundary test can also prove each rule catches a
// deliberate violation without touching the tree.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Source texts by path relative to src/ (`dav/handler.ts`). */
export type SourceTree = ReadonlyMap<string, string>;

export function readSourceTree(srcDir: string): SourceTree {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.set(path.relative(srcDir, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(srcDir);
  return files;
}

/** Every relative import, re-export and dynamic import of a file, resolved to a path in the tree. */
export function importsOf(file: string, text: string, tree: SourceTree): string[] {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  const targets: string[] = [];
  for (const spec of found) {
    if (!spec.startsWith('.')) continue; // a package
    const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
    const candidates = [joined, `${joined}.ts`, `${joined.replace(/\.ts$/, '')}/index.ts`];
    targets.push(candidates.find((c) => tree.has(c)) ?? joined);
  }
  return targets;
}

export interface Violation {
  readonly rule: string;
  readonly file: string;
  readonly detail: string;
}

const under = (file: string, ...folders: string[]) => folders.some((f) => file === f || file.startsWith(`${f}/`));

/** The ground floor: time math, the domain records, text escaping and the message catalogue; it imports only itself. */
export const FLOOR = ['calendar', 'domain', 'text', 'i18n'];

/** The folders that speak HTTP: the DAV protocol, the HTTP plumbing, logins and the setup portal. */
const PROTOCOL = ['dav', 'http', 'auth', 'portal'];

/** Import rules: [rule, applies to the importing file, forbidden target]. */
const IMPORT_RULES: readonly [string, (from: string) => boolean, (to: string) => boolean][] = [
  ['the protocol layer (dav/) knows only the DavStore seam, never storage/postgres/', (f) => under(f, 'dav'), (t) => under(t, 'storage/postgres')],
  ['storage/ does not import the protocol layer (dav/, http/, auth/, portal/)', (f) => under(f, 'storage'), (t) => under(t, ...PROTOCOL)],
  ['policy/ does not import the protocol layer (dav/, http/, auth/, portal/) or storage/postgres/', (f) => under(f, 'policy'), (t) => under(t, ...PROTOCOL, 'storage/postgres')],
  ['ical/ renders and reads records; it does not import policy/, storage/ or the protocol layer', (f) => under(f, 'ical'), (t) => under(t, 'policy', 'storage', ...PROTOCOL)],
  ['the ground floor (calendar/, domain/, text/, i18n/) imports nothing above it', (f) => under(f, ...FLOOR), (t) => !under(t, ...FLOOR)],
];

export function importViolations(tree: SourceTree): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    for (const target of importsOf(file, text, tree)) {
      for (const [rule, applies, forbidden] of IMPORT_RULES) {
        if (applies(file) && forbidden(target)) out.push({ rule, file, detail: `imports ${target}` });
      }
    }
  }
  return out;
}

/** Import cycles (strongly connected components of more than one file, or a file importing itself). */
export function importCycles(tree: SourceTree): string[][] {
  const graph = new Map([...tree].map(([file, text]) => [file, importsOf(file, text, tree).filter((t) => tree.has(t))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Where SQL may name BrokerStar's tables: the adapter folder and the demo generator that fills them. */
export const BROKERSTAR_SQL_HOMES = ['storage/postgres/brokerstar', 'demo'];
const BROKERSTAR_TABLE = /\bbrokerstar\.[a-z_]/i;

/** String and template literals (not comments) that name a table of BrokerStar's schema outside its homes. */
export function brokerstarSqlViolations(tree: SourceTree): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    if (under(file, ...BROKERSTAR_SQL_HOMES)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const visit = (node: ts.Node) => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
        const match = BROKERSTAR_TABLE.exec(node.text);
        if (match) {
          const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
          out.push({ rule: 'SQL on BrokerStar tables lives in storage/postgres/brokerstar/', file, detail: `line ${line}: ${match[0]}…` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}
