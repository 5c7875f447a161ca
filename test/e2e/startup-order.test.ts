import { afterEach, describe, expect, it } from "vitest";
import { makePng } from "../../fakes/fal/index.js";
import { resultMessages, waitForReply } from "../support/imagine.js";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe("start-up order", () => {
  it("when an /imagine arrives while a restarted bot is still syncing its commands, then it runs as a new job, not as an interrupted one", async () => {
    stack = await startStack();
    const s = stack;
    // Command sync after the restart hangs until released: the gateway is up, interactions arrive.
    const sync = s.discord.stallNext({ method: "GET", path: /\/applications\/\d+\/(guilds\/\d+\/)?commands$/ });
    const restarting = s.restart();
    await s.discord.waitFor(() => sync.held === 1, 10_000, "command sync under way");
    const reference = s.discord.attachment(makePng({ width: 16, height: 16, seed: 3, targetBytes: 1500 }), "hero.png", { contentType: "image/png" });
    const handle = s.discord.command("imagine", { prompt: "a new scene during start-up", reference }, { user: s.discord.users.alice });
    await handle.callback();
    sync.release();
    await restarting;
    await waitForReply(s.discord, handle, /posted in the channel|⚠️/, 15_000);
    expect(handle.original()?.text).not.toMatch(/restarted/);
    expect(resultMessages(handle)).toHaveLength(1);
    expect(s.fal.submits).toHaveLength(1);
  });
});
