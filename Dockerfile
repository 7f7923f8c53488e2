# syntax=docker/dockerfile:1
# Canyu server image. Stage 1 installs every dependency and builds the compiled server
# (packages/server/dist: cli.js and the chunks it loads, with source maps, and the SQL migrations); stage 2 keeps
# production dependencies and that build only, and runs as an unprivileged user.
#
#   docker build -t canyu .
#   docker run -p 4000:4000 -v canyu-data:/var/lib/canyu canyu                      # embedded PostgreSQL
#   docker run -p 4000:4000 -e DATABASE_URL=postgres://… -e CANYU_SECRET_KEY=… canyu   # your PostgreSQL
# docker-compose.yml runs three servers behind nginx on PostgreSQL 17 and Redis; docs/scaling.md.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Dependencies first (cached while only sources change). `prepare` finds no sources yet: no build.
COPY package.json package-lock.json ./
COPY packages/sdk/package.json packages/sdk/package.json
COPY packages/console/package.json packages/console/package.json
COPY scripts/build.js scripts/build.js
RUN npm ci --no-audit --no-fund
COPY bin bin
COPY packages/server/src packages/server/src
COPY packages/sdk/src packages/sdk/src
COPY packages/console packages/console
RUN npm run build && node bin/canyu.js --version && test -f packages/console/dist/index.html

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    CANYU_DATA_DIR=/var/lib/canyu
WORKDIR /app
# The embedded PostgreSQL refuses to run as root; so does this image (uid 10001).
RUN groupadd --system --gid 10001 canyu \
 && useradd --system --uid 10001 --gid canyu --home-dir /var/lib/canyu --shell /usr/sbin/nologin canyu \
 && mkdir -p /var/lib/canyu && chown canyu:canyu /var/lib/canyu && chmod 700 /var/lib/canyu
COPY package.json package-lock.json ./
COPY packages/sdk/package.json packages/sdk/package.json
COPY packages/console/package.json packages/console/package.json
COPY scripts/build.js scripts/build.js
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin bin
COPY --from=build /app/packages/server/dist packages/server/dist
# The operator console, served at /console (its dependencies are all build-time).
COPY --from=build /app/packages/console/dist packages/console/dist
USER canyu
VOLUME ["/var/lib/canyu"]
EXPOSE 4000
# /health answers 200 when the server and its database are up (503 otherwise).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node handles SIGTERM itself (graceful drain); run with --init (compose: init: true) to reap children.
CMD ["node", "bin/canyu.js", "start"]
