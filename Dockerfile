# StoryCast in a container: build once, run with the data volume at /data.
# Build stage: better-sqlite3 compiles its native addon here (python3, make, g++).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data HEALTH_PORT=8080 HEALTH_HOST=127.0.0.1
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The health endpoint answers 200 only while the gateway is connected and the store answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SIGTERM (docker stop) drains: no new commands, in-flight jobs stay in /data and resume on the next start.
# Memory flags (same as `npm start`; README "Memory"): a small young generation and an old-space
# limit that makes V8 collect before its heap balloons; live data stays far below it (queue capped).
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=512", "dist/src/index.js"]
