/**
 * The WebSocket gateway (Discord docs "Gateway" → Connecting, Sending Heartbeats,
 * Identifying, Resuming; "Opcodes and Status Codes" → Gateway Opcodes / Close Event Codes).
 *
 * - Connect (`?v=10&encoding=json`) → HELLO (op 10, heartbeat_interval).
 * - IDENTIFY (op 2): token must equal the bot token (else close 4004); privileged intents
 *   not enabled for the app close 4014; a second IDENTIFY closes 4005. Then READY (op 0)
 *   and, with the GUILDS intent, GUILD_CREATE for each guild of the connection's shard.
 * - Sharding ("Gateway" → Sharding): IDENTIFY's `shard: [shard_id, num_shards]` (absent = [0, 1])
 *   must have integers 0 ≤ shard_id < num_shards, else close 4010 "Invalid shard"; a shard that
 *   would hold more than `maxGuildsPerShard` guilds (Discord: 2,500) closes 4011 "Sharding
 *   required". Each connection knows its shard: a dispatch about a guild (`guild_id`, or the id of
 *   GUILD_CREATE/UPDATE/DELETE) goes only to the session of shard `(guild_id >> 22) % num_shards`,
 *   one without a guild (DM interactions) only to shard 0. Sessions are per shard id: a new
 *   IDENTIFY for a shard id replaces that shard's session (sessions of another num_shards that are
 *   disconnected are dropped, as after a restart with a different shard count).
 * - HEARTBEAT (op 1) → HEARTBEAT_ACK (op 11). A connection that stops heartbeating for
 *   1.5 × interval (+1 s) is closed with 4009 (session timed out → client resumes).
 * - RESUME (op 6) with a known session → replays the dispatches after `seq`, then RESUMED.
 *   Unknown/invalidated session → INVALID SESSION (op 9, d:false). seq ahead of server → 4007.
 * - Payloads before IDENTIFY/RESUME close 4003; undecodable payloads 4002; unknown ops 4001.
 * - A client closing with 1000/1001 invalidates its session (cannot be resumed), like Discord.
 * - Compression (`compress=zlib-stream`, identify `compress:true`) is not implemented; frames
 *   are always uncompressed JSON text (discord.js handles text frames regardless).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { WebSocketServer, WebSocket, type RawData } from "ws";

/** Privileged intents (docs "Gateway" → "Privileged Intents"). */
const PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15);
const ALL_INTENTS = (1 << 26) - 1;
const GUILDS_INTENT = 1 << 0;

/** Gateway intents the fake's events need (docs "Gateway" → "List of Intents"). */
export const INTENTS = {
  /** CHANNEL_*, THREAD_CREATE/UPDATE/DELETE, GUILD_* */
  GUILDS: 1 << 0,
  /** MESSAGE_CREATE/UPDATE/DELETE in guilds */
  GUILD_MESSAGES: 1 << 9,
} as const;

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  privilegedIntents: number;
  wsUrl: () => string;
  readyPayload: (sessionId: string, shard: [number, number], guildIds: string[]) => Record<string, unknown>;
  /** Every guild the bot is in. */
  guildIds: () => string[];
  guildCreatePayload: (guildId: string) => Record<string, unknown>;
  /** More guilds than this on one shard closes IDENTIFY with 4011. Default 2500. */
  maxGuildsPerShard?: number;
}

/** The shard a guild's events go to (docs "Gateway" → Sharding: `shard_id = (guild_id >> 22) % num_shards`). */
export function shardOf(guildId: string, numShards: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(numShards));
}

/** The guild a dispatch is about: `guild_id`, or the guild itself for GUILD_CREATE/UPDATE/DELETE; undefined for DMs. */
function guildOf(t: string, d: unknown): string | undefined {
  if (!d || typeof d !== "object") return undefined;
  const o = d as { guild_id?: unknown; id?: unknown };
  if (typeof o.guild_id === "string") return o.guild_id;
  if ((t === "GUILD_CREATE" || t === "GUILD_UPDATE" || t === "GUILD_DELETE") && typeof o.id === "string") return o.id;
  return undefined;
}

/** A live shard connection, as tests see it. */
export interface ShardSession {
  shard: [number, number];
  sessionId: string;
  connected: boolean;
}

interface DispatchEvent {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  events: DispatchEvent[];
  socket?: WebSocket;
  intents: number;
  invalid: boolean;
  /** [shard_id, num_shards] this session identified with. */
  shard: [number, number];
}

export interface GatewayStats {
  identifies: number;
  resumes: number;
  connected: boolean;
  heartbeats: number;
  connections: number;
  /** Close codes the fake sent, in order. */
  closeCodes: number[];
  /** Close codes received from the client, in order. */
  clientCloseCodes: number[];
}

export class Gateway {
  readonly stats: GatewayStats = {
    identifies: 0,
    resumes: 0,
    connected: false,
    heartbeats: 0,
    connections: 0,
    closeCodes: [],
    clientCloseCodes: [],
  };
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  /** The current session of each shard id. */
  private readonly current = new Map<number, Session>();
  private readySent = false;
  private readonly events = new EventEmitter();
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly opts: GatewayOptions) {}

  get hasSession(): boolean {
    return this.live().length > 0;
  }

  /** The session id of shard 0 (the only shard unless the client shards). */
  get sessionId(): string | undefined {
    return this.current.get(0)?.id;
  }

  /** The current session of each shard, by shard id. */
  shards(): ShardSession[] {
    return this.live()
      .sort((a, b) => a.shard[0] - b.shard[0])
      .map((s) => ({ shard: [...s.shard], sessionId: s.id, connected: s.socket?.readyState === WebSocket.OPEN }));
  }

  private live(): Session[] {
    return [...this.current.values()].filter((s) => !s.invalid);
  }

  /** The sessions a dispatch about `guildId` goes to (none about a guild: shard 0). */
  private targets(guildId: string | undefined): Session[] {
    return this.live().filter((s) => (guildId === undefined ? s.shard[0] === 0 : shardOf(guildId, s.shard[1]) === s.shard[0]));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  waitForReady(timeoutMs: number): Promise<void> {
    if (this.readySent) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.events.off("ready", onReady);
        reject(new Error(`fake discord: no IDENTIFY/READY within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(t);
        resolve();
      };
      this.events.once("ready", onReady);
    });
  }

  /**
   * Sends a dispatch (op 0) to the session of the shard it belongs to (see the header); queued for
   * RESUME replay if that shard is disconnected. Returns whether a session got it.
   */
  dispatch(t: string, d: unknown): boolean {
    const targets = this.targets(guildOf(t, d));
    for (const s of targets) this.send(s, t, d);
    return targets.length > 0;
  }

  /**
   * Sends a dispatch only to a session that identified with `intent` (docs "Gateway" →
   * "Gateway Intents": events of intents not requested are not sent). Returns whether it was sent or queued.
   */
  dispatchFor(intent: number, t: string, d: unknown): boolean {
    const targets = this.targets(guildOf(t, d)).filter((s) => (s.intents & intent) !== 0);
    for (const s of targets) this.send(s, t, d);
    return targets.length > 0;
  }

  private send(s: Session, t: string, d: unknown): void {
    const ev: DispatchEvent = { op: 0, t, s: ++s.seq, d };
    s.events.push(ev);
    if (s.socket?.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify(ev));
  }

  /**
   * Closes the current connection of every shard, or of `shard` only (default code 4000 → discord.js
   * resumes), or cuts it without a close frame.
   */
  drop(opts: { code?: number; abrupt?: boolean; shard?: number } = {}): void {
    for (const s of this.live()) {
      const ws = s.socket;
      if (!ws || (opts.shard !== undefined && s.shard[0] !== opts.shard)) continue;
      if (opts.abrupt) ws.terminate();
      else this.closeSocket(ws, opts.code ?? 4000, "fake discord: connection dropped");
    }
  }

  /** Sends op 7 RECONNECT (the client should reconnect and resume) on every shard, or on `shard` only. */
  requestReconnect(shard?: number): void {
    for (const s of this.live()) {
      if (shard !== undefined && s.shard[0] !== shard) continue;
      if (s.socket?.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify({ op: 7, d: null }));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  private closeSocket(ws: WebSocket, code: number, reason: string): void {
    this.stats.closeCodes.push(code);
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.sockets.add(ws);
    this.stats.connections++;
    const url = new URL(req.url ?? "/", "ws://localhost");
    let session: Session | undefined;
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const armHeartbeat = () => {
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      heartbeatTimer = setTimeout(
        () => this.closeSocket(ws, 4009, "Session timed out."),
        this.opts.heartbeatIntervalMs * 1.5 + 1000,
      );
      heartbeatTimer.unref();
    };

    ws.on("close", (code) => {
      this.sockets.delete(ws);
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      this.stats.clientCloseCodes.push(code);
      if (session && session.socket === ws) {
        session.socket = undefined;
        if (code === 1000 || code === 1001) session.invalid = true;
      }
      if (!this.live().some((s) => s.socket !== undefined)) this.stats.connected = false;
    });
    ws.on("error", () => {
      /* connection errors end in "close" */
    });

    if (url.searchParams.get("v") !== "10") {
      this.closeSocket(ws, 4012, "Invalid API version.");
      return;
    }
    const encoding = url.searchParams.get("encoding") ?? "json";
    if (encoding !== "json") {
      this.closeSocket(ws, 4002, "fake discord: only encoding=json is supported");
      return;
    }

    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs, _trace: ['["fake-gateway",{}]'] }, s: null, t: null }));
    armHeartbeat();

    ws.on("message", (data: RawData, isBinary: boolean) => {
      let payload: any;
      try {
        payload = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString("utf8") : String(data));
      } catch {
        this.closeSocket(ws, 4002, "Error while decoding payload.");
        return;
      }
      if (!payload || typeof payload !== "object" || typeof payload.op !== "number") {
        this.closeSocket(ws, 4002, "Error while decoding payload.");
        return;
      }
      switch (payload.op) {
        case 1: // Heartbeat
          this.stats.heartbeats++;
          armHeartbeat();
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          return;
        case 2: {
          // Identify
          if (session) return this.closeSocket(ws, 4005, "Already authenticated.");
          const d = payload.d ?? {};
          if (d.token !== this.opts.token) return this.closeSocket(ws, 4004, "Authentication failed.");
          const intents = Number(d.intents ?? 0);
          if (!Number.isInteger(intents) || intents < 0 || (intents & ~ALL_INTENTS) !== 0)
            return this.closeSocket(ws, 4013, "Invalid intent(s).");
          if ((intents & PRIVILEGED & ~this.opts.privilegedIntents) !== 0)
            return this.closeSocket(ws, 4014, "Disallowed intent(s).");
          let shard: [number, number] = [0, 1];
          if (d.shard !== undefined) {
            const v: unknown = d.shard;
            const valid =
              Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n)) && v[1] >= 1 && v[0] >= 0 && v[0] < v[1];
            if (!valid) return this.closeSocket(ws, 4010, "Invalid shard.");
            shard = [v[0], v[1]];
          }
          const guildIds = this.opts.guildIds().filter((g) => shardOf(g, shard[1]) === shard[0]);
          if (guildIds.length > (this.opts.maxGuildsPerShard ?? 2500)) return this.closeSocket(ws, 4011, "Sharding required.");
          this.stats.identifies++;
          const previous = this.current.get(shard[0]);
          if (previous) previous.invalid = true;
          for (const [id, other] of this.current) {
            if (other.shard[1] !== shard[1] && other.socket === undefined) {
              other.invalid = true;
              this.current.delete(id);
            }
          }
          session = { id: randomBytes(16).toString("hex"), seq: 0, events: [], socket: ws, intents, invalid: false, shard };
          this.sessions.set(session.id, session);
          this.current.set(shard[0], session);
          this.stats.connected = true;
          this.send(session, "READY", this.opts.readyPayload(session.id, shard, guildIds));
          if (intents & GUILDS_INTENT) for (const g of guildIds) this.send(session, "GUILD_CREATE", this.opts.guildCreatePayload(g));
          this.readySent = true;
          this.events.emit("ready");
          return;
        }
        case 6: {
          // Resume
          if (session) return this.closeSocket(ws, 4005, "Already authenticated.");
          const d = payload.d ?? {};
          if (d.token !== this.opts.token) return this.closeSocket(ws, 4004, "Authentication failed.");
          const s = this.sessions.get(String(d.session_id));
          if (!s || s.invalid || s !== this.current.get(s.shard[0])) {
            ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            return;
          }
          const seq = Number(d.seq ?? 0);
          if (seq > s.seq) return this.closeSocket(ws, 4007, "Invalid seq.");
          if (s.socket && s.socket !== ws && s.socket.readyState === WebSocket.OPEN) this.closeSocket(s.socket, 4000, "Session resumed elsewhere");
          session = s;
          s.socket = ws;
          this.stats.resumes++;
          this.stats.connected = true;
          for (const ev of s.events) if (ev.s > seq) ws.send(JSON.stringify(ev));
          this.send(s, "RESUMED", { _trace: ['["fake-gateway",{}]'] });
          return;
        }
        case 3: // Presence Update
        case 4: // Voice State Update
        case 8: // Request Guild Members
        case 31: // Request Soundboard Sounds
          if (!session) return this.closeSocket(ws, 4003, "Not authenticated.");
          return;
        default:
          if (!session) return this.closeSocket(ws, 4003, "Not authenticated.");
          return this.closeSocket(ws, 4001, "Unknown opcode.");
      }
    });
  }
}
