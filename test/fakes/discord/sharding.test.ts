/**
 * The fake Discord's gateway sharding (Discord docs "Gateway" → Sharding), driven by raw
 * WebSocket clients that identify as given shards: GET /gateway/bot reports the recommended
 * shard count; IDENTIFY's `shard: [shard_id, num_shards]` is checked (4010, 4011); guild events
 * and interactions reach only the shard `(guild_id >> 22) % num_shards`, DMs only shard 0.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { shardOf, startFakeDiscord, type FakeDiscord } from "../../../fakes/discord/index.js";

interface Dispatch {
  t: string;
  d: any;
}

/** A raw gateway connection that identifies as `shard` (or without a shard field) and records its dispatches. */
class RawShard {
  readonly dispatches: Dispatch[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly ready: Promise<any>;
  private readonly ws: WebSocket;

  constructor(fake: FakeDiscord, shard: unknown, intents = 1) {
    this.ws = new WebSocket(`${fake.wsUrl}?v=10&encoding=json`);
    let onReady: (d: any) => void = () => {};
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.closed = new Promise((resolve) => this.ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on("message", (data) => {
      const p = JSON.parse(String(data)) as { op: number; t?: string; d: any };
      if (p.op === 10) {
        const d: Record<string, unknown> = { token: fake.token, intents, properties: { os: "linux", browser: "test", device: "test" } };
        if (shard !== undefined) d.shard = shard;
        this.ws.send(JSON.stringify({ op: 2, d }));
      } else if (p.op === 0 && p.t) {
        this.dispatches.push({ t: p.t, d: p.d });
        if (p.t === "READY") onReady(p.d);
      }
    });
  }

  /** Ids the dispatches of type `t` are about (guild id for GUILD_CREATE, interaction id, channel id). */
  ids(t: string): string[] {
    return this.dispatches.filter((x) => x.t === t).map((x) => String(x.d.id));
  }

  close(): void {
    this.ws.close(1000);
  }
}

let fake: FakeDiscord | undefined;
const sockets: RawShard[] = [];
const connect = (f: FakeDiscord, shard: unknown, intents?: number) => {
  const s = new RawShard(f, shard, intents);
  sockets.push(s);
  return s;
};

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await fake?.close();
  fake = undefined;
});

/** Lets dispatches already sent arrive (they are written before the call that sent them returns). */
const settle = () => new Promise((r) => setTimeout(r, 100));

describe("fake Discord gateway sharding", () => {
  it("GET /gateway/bot reports the recommended shard count and max_concurrency it was started with (default 1 and 1)", async () => {
    fake = await startFakeDiscord();
    const get = async () => (await (await fetch(`${fake!.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake!.token}` } })).json()) as any;
    expect(await get()).toMatchObject({ shards: 1, session_start_limit: { max_concurrency: 1 } });
    await fake.close();
    fake = await startFakeDiscord({ shardCount: 3, maxConcurrency: 16 });
    expect(await get()).toMatchObject({ shards: 3, session_start_limit: { max_concurrency: 16 } });
  });

  it("guilds created on a chosen shard have snowflake ids that land there", async () => {
    fake = await startFakeDiscord({ guildShard: [2, 3], guilds: [{ shard: [0, 3] }, { shard: [1, 3] }, { shard: [1, 2] }] });
    const [main, g0, g1, h1] = fake.guilds();
    expect([main, g0, g1].map((g) => shardOf(g!.id, 3))).toEqual([2, 0, 1]);
    expect(shardOf(h1!.id, 2)).toBe(1);
    expect(fake.shardOf(g1!.id, 3)).toBe(1);
    expect(new Set(fake.guilds().map((g) => g.id)).size).toBe(4);
    // Real snowflakes: their time is now (within num_shards ms).
    const ms = Number((BigInt(g1!.id) >> 22n) + 1420070400000n);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });

  it("shards 0/2 and 1/2 each get READY and GUILD_CREATE for their own guilds only", async () => {
    fake = await startFakeDiscord({ shardCount: 2, guildShard: [0, 2], guilds: [{ name: "Odd", shard: [1, 2] }] });
    const [a, b] = fake.guilds();
    const s0 = connect(fake, [0, 2]);
    const s1 = connect(fake, [1, 2]);
    const [r0, r1] = await Promise.all([s0.ready, s1.ready]);
    expect(r0.shard).toEqual([0, 2]);
    expect(r1.shard).toEqual([1, 2]);
    expect(r0.guilds.map((g: any) => g.id)).toEqual([a!.id]);
    expect(r1.guilds.map((g: any) => g.id)).toEqual([b!.id]);
    await settle();
    expect(s0.ids("GUILD_CREATE")).toEqual([a!.id]);
    expect(s1.ids("GUILD_CREATE")).toEqual([b!.id]);
    const g1 = s1.dispatches.find((x) => x.t === "GUILD_CREATE")!.d;
    expect(g1.name).toBe("Odd");
    expect(g1.channels.map((c: any) => c.id)).toEqual([b!.channelId]);
    expect(g1.roles.map((r: any) => r.id)).toEqual([b!.id]); // its own @everyone only
    expect(fake.gatewayShards().map((s) => ({ shard: s.shard, connected: s.connected }))).toEqual([
      { shard: [0, 2], connected: true },
      { shard: [1, 2], connected: true },
    ]);
  });

  it("interactions and guild events reach only the shard of their guild; DMs only shard 0", async () => {
    fake = await startFakeDiscord({ shardCount: 2, guildShard: [0, 2], guilds: [{ shard: [1, 2] }] });
    const [a, b] = fake.guilds();
    const s0 = connect(fake, [0, 2]);
    const s1 = connect(fake, [1, 2]);
    await Promise.all([s0.ready, s1.ready]);

    const inA = fake.command("imagine", { prompt: "a" }, { guildId: a!.id });
    const inB = fake.command("imagine", { prompt: "b" }, { guildId: b!.id, user: fake.users.bob });
    const inDm = fake.command("imagine", { prompt: "dm" }, { channelId: fake.dmChannel(fake.users.alice.id) });
    expect(inB.payload.guild_id).toBe(b!.id);
    expect(inB.payload.channel_id).toBe(b!.channelId);
    expect(inDm.payload.guild_id).toBeUndefined();

    // Guild events: CHANNEL_UPDATE in B, THREAD_CREATE in A, GUILD_CREATE for a guild joined on shard 1.
    fake.denyPost(b!.channelId);
    const thread = fake.createThread({ name: "plot", parentId: a!.channelId });
    const joined = fake.addGuild({ name: "Joined later", shard: [1, 2] });
    await settle();

    expect(s0.ids("INTERACTION_CREATE")).toEqual([inA.id, inDm.id]);
    expect(s1.ids("INTERACTION_CREATE")).toEqual([inB.id]);
    expect(s0.ids("CHANNEL_UPDATE")).toEqual([]);
    expect(s1.ids("CHANNEL_UPDATE")).toEqual([b!.channelId]);
    expect(s0.ids("THREAD_CREATE")).toEqual([thread.id]);
    expect(s1.ids("THREAD_CREATE")).toEqual([]);
    expect(s0.ids("GUILD_CREATE")).toEqual([a!.id]);
    expect(s1.ids("GUILD_CREATE")).toEqual([b!.id, joined.id]);
  });

  it("an interaction for a shard nobody runs is not delivered (the fake says so)", async () => {
    fake = await startFakeDiscord({ shardCount: 2, guildShard: [0, 2], guilds: [{ shard: [1, 2] }] });
    const [a, b] = fake.guilds();
    const s0 = connect(fake, [0, 2]);
    await s0.ready;
    expect(() => fake!.command("imagine", { prompt: "b" }, { guildId: b!.id })).toThrow(/no gateway session for the shard of guild/);
    const inA = fake.command("imagine", { prompt: "a" }, { guildId: a!.id });
    await settle();
    expect(s0.ids("INTERACTION_CREATE")).toEqual([inA.id]);
  });

  it("an IDENTIFY without a shard is shard [0, 1] and gets every guild", async () => {
    fake = await startFakeDiscord({ guildShard: [0, 2], guilds: [{ shard: [1, 2] }] });
    const s = connect(fake, undefined);
    const ready = await s.ready;
    expect(ready.shard).toEqual([0, 1]);
    await settle();
    expect(s.ids("GUILD_CREATE").sort()).toEqual(fake.guilds().map((g) => g.id).sort());
    const inB = fake.command("imagine", { prompt: "b" }, { guildId: fake.guilds()[1]!.id });
    await settle();
    expect(s.ids("INTERACTION_CREATE")).toEqual([inB.id]);
  });

  it.each([
    ["shard_id equal to num_shards", [2, 2]],
    ["a negative shard_id", [-1, 2]],
    ["num_shards 0", [0, 0]],
    ["one number", [0]],
    ["three numbers", [0, 1, 2]],
    ["a fraction", [0.5, 2]],
    ["strings", ["0", "2"]],
    ["not an array", "0,2"],
  ])("closes IDENTIFY with 4010 Invalid shard for %s", async (_what, shard) => {
    fake = await startFakeDiscord({ shardCount: 2 });
    const s = connect(fake, shard);
    const closed = await s.closed;
    expect(closed).toEqual({ code: 4010, reason: "Invalid shard." });
    expect(fake.gateway.identifies).toBe(0);
  });

  it("closes IDENTIFY with 4011 Sharding required when its shard would hold too many guilds", async () => {
    fake = await startFakeDiscord({ maxGuildsPerShard: 1, guildShard: [0, 2], guilds: [{ shard: [1, 2] }] });
    const whole = connect(fake, [0, 1]);
    expect(await whole.closed).toEqual({ code: 4011, reason: "Sharding required." });
    const s0 = connect(fake, [0, 2]);
    const s1 = connect(fake, [1, 2]);
    await Promise.all([s0.ready, s1.ready]);
    expect(fake.gateway.identifies).toBe(2);
  });
});
