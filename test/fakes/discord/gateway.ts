/**
 * The WebSocket gateway (Discord docs "Gateway" → Connecting, Sending Heartbeats,
 * Identifying, Resuming; "Opcodes and Status Codes" → Gateway Opcodes / Close Event Codes).
 *
 * - Connect (`?v=10&encoding=json`) → HELLO (op 10, heartbeat_interval).
 * - IDENTIFY (op 2): token must equal the bot token (else close 4004); privileged intents
 *   not enabled for the app close 4014; a second IDENTIFY closes 4005. Then READY (op 0)
 *   and, with the GUILDS intent, GUILD_CREATE for the one guild.
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
  readyPayload: (sessionId: string) => Record<string, unknown>;
  guildCreatePayload: () => Record<string, unknown>;
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
  private current: Session | undefined;
  private readySent = false;
  private readonly events = new EventEmitter();
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly opts: GatewayOptions) {}

  get hasSession(): boolean {
    return this.current !== undefined && !this.current.invalid;
  }

  get sessionId(): string | undefined {
    return this.current?.id;
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

  /** Sends a dispatch (op 0) on the current session; queued for RESUME replay if disconnected. */
  dispatch(t: string, d: unknown): boolean {
    const s = this.current;
    if (!s || s.invalid) return false;
    const ev: DispatchEvent = { op: 0, t, s: ++s.seq, d };
    s.events.push(ev);
    if (s.socket?.readyState === WebSocket.OPEN) s.socket.send(JSON.stringify(ev));
    return true;
  }

  /**
   * Sends a dispatch only if the current session identified with `intent` (docs "Gateway" →
   * "Gateway Intents": events of intents not requested are not sent). Returns whether it was sent or queued.
   */
  dispatchFor(intent: number, t: string, d: unknown): boolean {
    const s = this.current;
    if (!s || s.invalid || (s.intents & intent) === 0) return false;
    return this.dispatch(t, d);
  }

  /** Closes the current connection (default code 4000 → discord.js resumes), or cuts it without a close frame. */
  drop(opts: { code?: number; abrupt?: boolean } = {}): void {
    const ws = this.current?.socket;
    if (!ws) return;
    if (opts.abrupt) ws.terminate();
    else this.closeSocket(ws, opts.code ?? 4000, "fake discord: connection dropped");
  }

  /** Sends op 7 RECONNECT (the client should reconnect and resume). */
  requestReconnect(): void {
    const ws = this.current?.socket;
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op: 7, d: null }));
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
      if (this.current?.socket === undefined) this.stats.connected = false;
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
          const shard = d.shard;
          if (Array.isArray(shard) && (shard[0] !== 0 || shard[1] !== 1)) return this.closeSocket(ws, 4010, "Invalid shard.");
          this.stats.identifies++;
          if (this.current) this.current.invalid = true;
          session = { id: randomBytes(16).toString("hex"), seq: 0, events: [], socket: ws, intents, invalid: false };
          this.sessions.set(session.id, session);
          this.current = session;
          this.stats.connected = true;
          this.dispatch("READY", this.opts.readyPayload(session.id));
          if (intents & GUILDS_INTENT) this.dispatch("GUILD_CREATE", this.opts.guildCreatePayload());
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
          if (!s || s.invalid || s !== this.current) {
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
          this.dispatch("RESUMED", { _trace: ['["fake-gateway",{}]'] });
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
