// `npm run demo`: the real bot (real discord.js Client, real @fal-ai/client) against the local
// fakes of Discord and fal on 127.0.0.1 — the same wiring the end-to-end tests use — playing a
// short scripted story, in real time. Nothing leaves the machine; no account or key is needed.
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startApp, type RunningApp } from "../src/app.js";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../fakes/fal/index.js";
import { botEnv } from "../fakes/bot-env.js";
import { writeDemoOutput } from "./output.js";
import { playStory, SCENES } from "./story-script.js";

export interface DemoOptions {
  /** Where the images, the storybook, README.txt and the bot's log go (created if missing). */
  outDir: string;
  /** Progress lines for a person watching. */
  log: (line: string) => void;
  /** Called once the fakes run, before the session: lets a test make them misbehave. */
  withFakes?: (fakes: { discord: FakeDiscord; fal: FakeFal }) => void;
}

export interface DemoResult {
  /** The output folder, absolute. */
  outDir: string;
  /** File names written into it. */
  files: string[];
}

const LOG_FILE = "bot.log";

/** Plays the demo session and writes its files into `outDir`. Stops every server and the bot before returning or throwing. */
export async function runDemo({ outDir: wanted, log, withFakes }: DemoOptions): Promise<DemoResult> {
  const outDir = resolve(wanted);
  await mkdir(outDir, { recursive: true });
  // The bot's JSON logs go to a file, so the console shows only the story.
  const logStream = createWriteStream(join(outDir, LOG_FILE));
  const dataDir = await mkdtemp(join(tmpdir(), "storycast-demo-"));
  let discord: FakeDiscord | undefined;
  let fal: FakeFal | undefined;
  let app: RunningApp | undefined;
  try {
    discord = await startFakeDiscord({ openapiPath: vendoredOpenApi() });
    fal = await startFakeFal();
    // Fixed seeds, one per scene: every run makes the same pictures (and the README's screenshots stay put).
    fal.script(...SCENES.map((_, i) => ({ seed: 1000 + i })));
    withFakes?.({ discord, fal });
    log(`Started a fake Discord at ${discord.apiUrl} and a fake fal at ${fal.url}`);
    app = await startApp(demoConfig(discord, fal, dataDir), createLogger("info", [discord.token, fal.key], logStream));
    log(`StoryCast is running (logged in as ${app.client.user.tag}); its log: ${join(outDir, LOG_FILE)}`);
    const transcript = await playStory(discord, (line) => log(`  ${line}`));
    const files = await writeDemoOutput(outDir, transcript, LOG_FILE);
    return { outDir, files };
  } finally {
    // The bot first (it talks to the fakes), then the rest; one that fails to stop is reported and the others still stop.
    const stops: [string, () => Promise<unknown> | undefined][] = [
      ["the bot", () => app?.stop()],
      ["the fake Discord", () => discord?.close()],
      ["the fake fal", () => fal?.close()],
      ["the temporary data folder", () => rm(dataDir, { recursive: true, force: true })],
      ["the bot's log", () => closeStream(logStream)],
    ];
    for (const [what, stop] of stops) {
      await Promise.resolve()
        .then(stop)
        .catch((error: unknown) => log(`(could not stop ${what}: ${error instanceof Error ? error.message : String(error)})`));
    }
  }
}

/**
 * The bot's configuration: the fakes' addresses and short intervals as the tests wire them
 * (fakes/bot-env.ts), SQLite in a temporary DATA_DIR, and no cost confirmation (nothing is paid).
 * Built from scratch, not from process.env, so a developer's .env cannot point the demo elsewhere.
 */
function demoConfig(discord: FakeDiscord, fal: FakeFal, dataDir: string) {
  const parsed = parseConfig({ ...botEnv(discord, fal, dataDir), CONFIRM_COST_ABOVE_USD: "off", LOG_LEVEL: "info" });
  if (!parsed.ok) throw new Error(`the demo's configuration is invalid: ${parsed.problems.join("; ")}`);
  return parsed.config;
}

/**
 * The fake Discord's OpenAPI document (it validates every request body against it). It sits in
 * fakes/discord/ of the source tree; compiled, the demo runs from dist/demo-build/, which has no
 * copy, so look upwards from here for the source one.
 */
function vendoredOpenApi(): string {
  const relative = join("fakes", "discord", "discord-openapi.json");
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`the demo could not find ${relative} above ${fileURLToPath(import.meta.url)}`);
  }
}

async function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  stream.end();
  await once(stream, "close");
}
