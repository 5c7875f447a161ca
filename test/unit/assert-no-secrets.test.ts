import { describe, expect, it } from "vitest";
import type { FakeDiscord, RestRecord, StoredMessage } from "../../fakes/discord/index.js";
import type { FakeFal, SubmitRecord } from "../../fakes/fal/index.js";
import { assertNoSecrets } from "../support/stack.js";

const DISCORD_TOKEN = "test-discord-token";
const FAL_KEY = "test-fal-key";
const TOKEN = Buffer.from("interaction:555:").toString("base64url") + "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c2v3b4n5m6";

interface World {
  logs?: string[];
  requests?: Partial<RestRecord>[];
  messages?: Partial<StoredMessage>[];
  falTargets?: string[];
  falInputs?: unknown[];
}

/** Just the records assertNoSecrets reads, as the fakes would hold them after a test. */
function check(world: World): void {
  const discord = {
    applicationId: "100000000000000001",
    interactionTokens: () => [TOKEN],
    requests: (world.requests ?? []).map((r) => ({ method: "POST", path: "/", query: {}, body: undefined, files: [], ...r })),
    messages: () => (world.messages ?? []).map((m) => ({ content: "", embeds: [], components: [], attachments: [], ...m })),
    threads: () => [],
  } as unknown as FakeDiscord;
  const fal = {
    requests: (world.falTargets ?? []).map((target) => ({ target })),
    submits: (world.falInputs ?? []).map((input) => ({ input }) as SubmitRecord),
  } as unknown as FakeFal;
  assertNoSecrets([DISCORD_TOKEN, FAL_KEY], world.logs ?? [], discord, fal);
}

describe("assertNoSecrets", () => {
  it("when every secret is only where it belongs, then it passes", () => {
    expect(() =>
      check({
        logs: ['{"msg":"delivery failed","err":{"url":"/webhooks/100000000000000001/[redacted]?wait=true"}}'],
        requests: [
          { path: `/webhooks/100000000000000001/${TOKEN}/messages/@original`, body: { content: "done" } },
          { path: `/interactions/555/${TOKEN}/callback`, body: { type: 5 } },
        ],
        messages: [{ content: "✅ Done" }],
        falTargets: ["https://queue.fal.run/fal-ai/ideogram/character"],
        falInputs: [{ prompt: "a hero" }],
      }),
    ).not.toThrow();
  });

  it("when an interaction token is in a log line, a message, a request body, a non-token path slot or a fal request, then it fails", () => {
    expect(() => check({ logs: [`{"err":{"url":"/webhooks/1/${TOKEN}"}}`] })).toThrow(/in the logs/);
    expect(() => check({ messages: [{ content: `see ${TOKEN}` }] })).toThrow(/in a Discord message/);
    expect(() => check({ messages: [{ components: [{ custom_id: `retry:${TOKEN}` }] }] })).toThrow(/in a Discord message/);
    expect(() => check({ requests: [{ path: "/channels/1/messages", body: { content: TOKEN } }] })).toThrow(/in a Discord request/);
    expect(() => check({ requests: [{ path: `/channels/1/messages/${TOKEN}` }] })).toThrow(/in a Discord request path/);
    expect(() => check({ requests: [{ path: `/webhooks/100000000000000001/other/messages/${TOKEN}` }] })).toThrow(/in a Discord request path/);
    expect(() => check({ falInputs: [{ prompt: TOKEN }] })).toThrow(/in a fal request/);
    expect(() => check({ falTargets: [`https://queue.fal.run/x?t=${TOKEN}`] })).toThrow(/in a fal request/);
  });

  it("when FAL_KEY goes to Discord or DISCORD_TOKEN to fal, then it fails", () => {
    expect(() => check({ requests: [{ path: "/channels/1/messages", body: { content: `key ${FAL_KEY}` } }] })).toThrow(/in a Discord request/);
    expect(() => check({ messages: [{ content: `⚠️ ${FAL_KEY}` }] })).toThrow(/in a Discord message/);
    expect(() => check({ falInputs: [{ prompt: DISCORD_TOKEN }] })).toThrow(/in a fal request/);
  });
});
