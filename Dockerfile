# syntax=docker/dockerfile:1
# The Handoff backend as a container: SQLite in the /data volume by default, PostgreSQL through
# DATABASE_URL, everything else from the environment (docs/operations.md).
#
#   docker build -t handoff .
#   docker run -p 8787:8787 -v handoff-data:/data -e HANDOFF_OKEPAY_INSTANCE=… handoff
#
# The base images are the official Node.js images; pass others with --build-arg (a mirror, or
# images built locally where no registry is reachable).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG BUILD_IMAGE=node:20-bookworm

# Build: the server's dependencies (better-sqlite3 compiles here when no prebuilt binary can be
# fetched, hence the full image with a compiler), the bundle, then production dependencies only.
FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY packages/core/package.json packages/core/
COPY packages/react/package.json packages/react/
COPY packages/elements/package.json packages/elements/
COPY packages/sandbox/package.json packages/sandbox/
COPY server/package.json server/
# Only the server's workspace; the repository's own install scripts (test fixtures) are skipped,
# the native modules are built explicitly.
RUN npm ci --workspace @handoff/server --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild
COPY packages/core/src packages/core/src
COPY server server
RUN node server/build.js --command-only \
 && npm prune --omit=dev --workspace @handoff/server --no-audit --no-fund \
 && rm -rf node_modules/@handoff node_modules/.bin

# Run: Node, the bundle and production dependencies, as the unprivileged user `node`.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HANDOFF_HOST=0.0.0.0 \
    PORT=8787 \
    HANDOFF_DB=/data/handoff.db
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/server/package.json server/package.json
COPY --from=build /app/server/bin server/bin
COPY --from=build /app/server/dist server/dist
RUN ln -s /app/server/bin/handoff.js /usr/local/bin/handoff \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8787
# Ready, not only alive: the database answers and is migrated. No curl in slim images: Node's fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: it stops accepting, lets requests finish
# (HANDOFF_SHUTDOWN_TIMEOUT_MS at most) and closes the database. Migrations run on start;
# `docker run --rm … IMAGE migrate` runs them alone.
ENTRYPOINT ["handoff"]
CMD ["serve"]
