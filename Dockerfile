# syntax=docker/dockerfile:1.7
# One image recipe for every service: docker build --build-arg SERVICE=payment .
# The same steps run in CI without Docker (infra/tests/deploy.int.test.ts): install with the
# frozen lockfile, build, `pnpm deploy` the service folder with production dependencies only.

# Node 24 LTS, the version pinned in infra/versions.env (NODE_VERSION).
ARG NODE_IMAGE=node:24.21.0-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true PNPM_HOME=/pnpm
ENV PATH=${PNPM_HOME}:${PATH}
# pnpm as pinned in package.json "packageManager" (PNPM_VERSION in infra/versions.env).
RUN npm install --global --no-audit --no-fund pnpm@10.34.9
WORKDIR /repo
# Dependencies first, from the lockfile alone, so this layer is cached across source edits.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
COPY infra/patches infra/patches
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm install --frozen-lockfile --offline
RUN pnpm build
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<order-api|inventory|payment|email|dashboard>" && exit 1)
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm deploy --legacy --filter "@akaso/${SERVICE}" --prod /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
# Owned by root: the service (user node) can read its code but not change it.
COPY --from=build /out ./
# The run-time flags' folder (a compose volume mounts there): a new volume copies this folder and
# its owner, so the dashboard, as user node, can write the flags file the services read.
RUN mkdir /flags && chown node:node /flags
# The official image's unprivileged user.
USER node
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=10 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT ?? 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form, PID 1), which runs the graceful shutdown:
# stop accepting, finish in-flight work, commit, leave the consumer group, flush the outbox.
STOPSIGNAL SIGTERM
# The tracing register file is preloaded: its module hook must be in place before main's imports.
CMD ["node", "--import", "@akaso/observability/register", "dist/main.js"]
