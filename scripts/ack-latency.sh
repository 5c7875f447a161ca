#!/usr/bin/env bash
# Runs the end-to-end tests and reports the acknowledgement latency (interaction dispatched
# on the fake gateway → initial callback received by the fake Discord) over every interaction.
set -euo pipefail
cd "$(dirname "$0")/.."
file=$(mktemp)
ACK_LATENCY_FILE="$file" npx vitest run test/e2e >/dev/null
node -e '
const ms = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l).ms).sort((a, b) => a - b);
const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
console.log(`interactions: ${ms.length}  p50: ${at(0.5)} ms  p99: ${at(0.99)} ms  max: ${ms[ms.length - 1]} ms`);
' "$file"
rm -f "$file"
