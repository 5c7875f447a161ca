import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands, messageCommands } from "../../commands/index.js";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord/index.js";
import { startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { botEnv } from "../support/stack.js";

/** These run the compiled entry points as `npm start` / `npm run deploy` do (npm test builds dist first). */
const root = new URL("../../", import.meta.url).pathname;
let discord: FakeDiscord;
let fal: FakeFal;
let dataDir: string;

beforeAll(async () => {
  [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  dataDir = mkdtempSync(join(tmpdir(), "storycast-start-"));
});
afterAll(async () => {
  await Promise.all([discord?.close(), fal?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Only what the bot needs: no .env from the developer's checkout leaks in (cwd is a temp dir).
  // Global registration unless a test asks for a guild.
  const { DISCORD_GUILD_ID: _guild, ...fakes } = botEnv(discord, fal, dataDir);
  return { PATH: process.env.PATH, ...fakes, ...extra };
}

function run(script: string, environment: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(root, script)], { cwd: dataDir, env: environment, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe("starting the bot", () => {
  it("when configuration is missing or malformed, then it prints one line per problem and exits 1 without a stack trace", async () => {
    const bot = run("dist/src/index.js", { PATH: process.env.PATH, LOG_LEVEL: "chatty" });
    expect(await bot.exited).toBe(1);
    const { stderr } = bot.output();
    expect(stderr).toContain("Configuration error: DISCORD_TOKEN is required");
    expect(stderr).toContain("Configuration error: FAL_KEY is required");
    expect(stderr).toMatch(/Configuration error: LOG_LEVEL must be one of/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("when started with the secrets, then it logs in, registers the commands globally, and stops cleanly on SIGTERM", async () => {
    const identifiesBefore = discord.gateway.identifies;
    const bot = run("dist/src/index.js", env());
    await discord.waitFor(() => discord.commands.global.length === commands.length + messageCommands.length, 15_000, "global commands registered");
    // The slash commands, and the Apps menu's message commands (capitalised, so sorted first).
    expect((discord.commands.global as { name: string }[]).map((c) => c.name).sort()).toEqual([
      "Remix", "Save as character", "Use as reference",
      "character", "edit", "help", "imagine", "remix", "settings", "status", "story", "upscale", "usage",
    ]);
    // Registration waits for READY, so one IDENTIFY is implied; more would be a reconnect loop.
    expect(discord.gateway.identifies - identifiesBefore).toBe(1);
    await discord.waitFor(() => bot.output().stdout.includes("commands registered"), 5000, "registration logged");
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
  });

  it("when Discord rejects the token, then the bot says so in one line and exits 1", async () => {
    const bot = run("dist/src/index.js", env({ DISCORD_TOKEN: "not-the-right-token" }));
    expect(await bot.exited).toBe(1);
    expect(bot.output().stderr).toMatch(/^StoryCast could not start: .*token/im);
    expect(bot.output().stderr).not.toMatch(/\n\s+at /);
  });

  it("when the registered commands already match, then starting again does not overwrite them", async () => {
    const putsBefore = discord.commands.puts;
    const bot = run("dist/src/index.js", env());
    await discord.waitFor(() => bot.output().stdout.includes("commands up to date"), 15_000, "commands compared");
    expect(discord.commands.puts).toBe(putsBefore);
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
  });

  it("when SIGTERM arrives while the bot is still starting, then it finishes starting, stops cleanly and exits 0", async () => {
    // Hold the command comparison: the bot is logged in but startApp has not returned yet.
    const stall = discord.stallNext({ method: "GET", path: /^\/applications\/\d+\/commands/ });
    const bot = run("dist/src/index.js", env());
    await discord.waitFor(() => stall.held === 1, 15_000, "command sync under way");
    bot.child.kill("SIGTERM");
    await discord.waitFor(() => bot.output().stdout.includes("shutting down"), 5000, "signal handled");
    stall.release();
    expect(await bot.exited).toBe(0);
  });

  it("when `npm run deploy` runs with DISCORD_GUILD_ID, then it registers to that guild and exits", async () => {
    const deploy = run("dist/src/deploy.js", env({ DISCORD_GUILD_ID: discord.guildId }));
    expect(await deploy.exited).toBe(0);
    expect(deploy.output().stdout).toContain("Commands registered.");
    expect((discord.commands.guild.get(discord.guildId) ?? []).length).toBe(commands.length + messageCommands.length);
  });
});
