import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord/index.js";
import { makePng, startFakeFal, type FakeFal } from "../../fakes/fal/index.js";
import { runBot, type BotProcess } from "../support/bot-process.js";
import { falResultImages } from "../support/fal-result.js";
import { blackColumns, decodeGreyPng } from "../support/grey-png.js";
import { replyEdits, replyText, resultMessages, waitForReply } from "../support/imagine.js";
import { createTestDatabase } from "../support/postgres.js";
import { assertNoSecrets, botEnv, testStore } from "../support/stack.js";

/**
 * A two-character scene is one durable job of two fal steps: a real bot process SIGKILLed at
 * each point of it resumes where the job stood, and no step is ever submitted twice.
 */

let discord: FakeDiscord;
let fal: FakeFal;
let dataDir: string;
let bot: BotProcess | undefined;
const allLogs: string[] = [];
/** In the vitest "postgres" project: the bot's store, and a short lease so a killed process's jobs are taken over in seconds. */
let postgres: { env: Record<string, string>; drop(): Promise<void> } | undefined;
const hosted: Record<string, string> = {};

beforeAll(async () => {
  [discord, fal] = await Promise.all([startFakeDiscord(), startFakeFal()]);
  dataDir = mkdtempSync(join(tmpdir(), "storycast-duo-restart-"));
  if (testStore() === "postgres") {
    const database = await createTestDatabase();
    postgres = { env: { DATABASE_URL: database.url, JOB_LEASE_SECONDS: "2" }, drop: database.drop };
  }
  await startBot();
  for (const [name, seed] of [["Mira", 31], ["Vex", 32]] as const) {
    const bytes = makePng({ width: 24, height: 24, seed, targetBytes: 2500 });
    expect(await replyText(discord, discord.command("character save", { name, reference: discord.attachment(bytes, `${name}.png`, { contentType: "image/png" }) } as never, { user: discord.users.alice }))).toMatch(/Saved/);
    hosted[name] = fal.uploads.find((upload) => upload.bytes.equals(bytes))!.fileUrl;
  }
});
afterEach(async () => {
  if (process.env.E2E_DEBUG) console.log(allLogs.join("\n"));
});
afterAll(async () => {
  if (bot && bot.child.exitCode === null && bot.child.signalCode === null) {
    bot.child.kill("SIGKILL");
    await bot.exited;
  }
  if (bot) allLogs.push(...bot.stdout().split("\n"), ...bot.stderr().split("\n"));
  assertNoSecrets([discord.token, fal.key], allLogs, discord, fal);
  await Promise.all([discord?.close(), fal?.close(), postgres?.drop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

async function startBot(): Promise<BotProcess> {
  if (bot) allLogs.push(...bot.stdout().split("\n"), ...bot.stderr().split("\n"));
  bot = runBot("dist/src/index.js", { PATH: process.env.PATH, ...botEnv(discord, fal, dataDir), ...postgres?.env }, dataDir);
  await bot.waitForLog("commands ");
  return bot;
}

async function sigkill(): Promise<void> {
  bot!.child.kill("SIGKILL");
  expect(await bot!.exited).toBe(null);
}

/** Asks for a two-character scene (Mira, then Vex on the left) and returns how to find its submits. */
function duo(scene: string) {
  const handle = discord.command("imagine", { prompt: scene, character: "Mira", second_character: "Vex", placement: "left" }, { user: discord.users.alice });
  const submits = () => {
    const first = fal.submits.findIndex((s) => (s.input as { prompt?: string }).prompt === scene);
    return first < 0 ? [] : fal.submits.slice(first).filter((s, i) => i === 0 || (s.endpointId.endsWith("/edit") && (s.input as { prompt?: string }).prompt === scene));
  };
  return { handle, submits };
}

/** What every test checks at the end: two submits (the scene, then the edit of its image with Vex on the left), one image posted. */
async function expectOneDeliveredDuo(handle: ReturnType<typeof duo>["handle"], submits: ReturnType<typeof duo>["submits"]): Promise<void> {
  await waitForReply(discord, handle, /posted in the channel/, 20_000);
  const [first, second, ...more] = submits();
  expect(more).toEqual([]);
  expect([first?.endpointId, second?.endpointId]).toEqual(["fal-ai/ideogram/character", "fal-ai/ideogram/character/edit"]);
  const [firstImage] = await falResultImages(fal, first!.requestId!);
  const edit = second!.input as { image_url: string; mask_url: string; reference_image_urls: string[] };
  expect(edit.image_url).toBe(firstImage);
  expect(edit.reference_image_urls).toEqual([hosted.Vex]);
  const mask = decodeGreyPng(fal.uploads.find((u) => u.fileUrl === edit.mask_url)!.bytes);
  expect(blackColumns(mask)).toEqual({ first: 0, last: 511, count: 512 });
  const posted = resultMessages(handle);
  expect(posted).toHaveLength(1);
  expect(posted[0]!.attachments).toHaveLength(1);
  expect(posted[0]!.text).toContain("with **Vex** on the left");
}

describe("two characters in one scene, across SIGKILL", () => {
  it("when the bot is killed between the steps (step 1 finished, its mask upload hanging), then after the restart only step 2 is submitted, once, and one image is posted", async () => {
    // The saved characters are already on fal storage, so the job's first upload is the placement
    // mask, drawn once the scene is made: hold it, so the process dies between the steps.
    fal.failNext("upload-initiate", 1, "hang");
    const { handle, submits } = duo("the lighthouse keepers meet");
    await fal.waitFor(() => fal.requests.some((r) => r.kind === "upload-initiate" && r.status === 0), 10_000, "the mask upload hanging");
    expect(submits().map((s) => s.endpointId)).toEqual(["fal-ai/ideogram/character"]);
    expect(fal.job(submits()[0]!.requestId!)?.state).toBe("COMPLETED");
    await sigkill();

    const restartedAt = Date.now();
    await startBot();
    const servingAt = Date.now();
    await expectOneDeliveredDuo(handle, submits);
    // The figures for the record: one submit after the restart, and how long the new process took.
    console.log(JSON.stringify({ case: "killed between the steps", store: testStore(), submitsBeforeKill: 1, submitsAfterRestart: submits().length - 1, startupMs: servingAt - restartedAt, servingToDeliveredMs: Date.now() - servingAt }));
    // The progress picked up at the second step in the same reply.
    expect(replyEdits(discord, handle).some((text) => /step 2 of 2: painting in \*\*Vex\*\* on the left/.test(text))).toBe(true);
  });

  it("when the bot is killed while step 1 is at fal and fal finishes it meanwhile, then the restart fetches step 1's result (no resubmit) and submits step 2 once", async () => {
    fal.script({ hold: true });
    const { handle, submits } = duo("the smugglers count the coins");
    await fal.waitFor(() => submits().length === 1 && submits()[0]!.requestId !== undefined, 10_000, "step 1 submitted");
    const stepOne = submits()[0]!.requestId!;
    await bot!.waitForLog(`"requestId":"${stepOne}","msg":"submitted to fal"`);
    await sigkill();
    fal.release(stepOne); // fal finishes step 1 while the bot is down
    await startBot();
    await expectOneDeliveredDuo(handle, submits);
  });

  it("when the bot is killed while step 2 is at fal, then the restart follows step 2 by its request id: no new submit at all", async () => {
    fal.script({}, { hold: true });
    const { handle, submits } = duo("the rivals shake hands");
    await fal.waitFor(() => submits().length === 2 && submits()[1]!.requestId !== undefined, 10_000, "step 2 submitted");
    const stepTwo = submits()[1]!.requestId!;
    await bot!.waitForLog(`"requestId":"${stepTwo}","msg":"submitted to fal"`);
    await sigkill();
    fal.release(stepTwo);
    await startBot();
    await expectOneDeliveredDuo(handle, submits);
  });
});
