// Scripted job behaviour: FIFO of JobScript entries, one consumed per submit the queue handles.
import type { JobScript } from "./types.js";

export interface ResolvedScript {
  queuePositions: number[];
  queueMs: number;
  runMs: number;
  imageBytes: number;
  seed: number | undefined;
  outcome: "ok" | { status: number; body: unknown };
  submitError: { status: number; body?: unknown } | undefined;
  hold: boolean;
}

export const BUILTIN_DEFAULTS: Readonly<ResolvedScript> = Object.freeze({
  queuePositions: [],
  queueMs: 0,
  runMs: 50,
  imageBytes: 2048,
  seed: undefined,
  outcome: "ok",
  submitError: undefined,
  hold: false,
});

/** built-in defaults ← fake.defaults ← the scripted entry (later wins, undefined ignored). */
export function resolveScript(defaults: JobScript, entry: JobScript | undefined): ResolvedScript {
  const out: ResolvedScript = { ...BUILTIN_DEFAULTS, queuePositions: [] };
  for (const layer of [defaults, entry ?? {}]) {
    if (layer.queuePositions !== undefined) out.queuePositions = [...layer.queuePositions];
    if (layer.queueMs !== undefined) out.queueMs = layer.queueMs;
    if (layer.runMs !== undefined) out.runMs = layer.runMs;
    if (layer.imageBytes !== undefined) out.imageBytes = layer.imageBytes;
    if (layer.seed !== undefined) out.seed = layer.seed;
    if (layer.outcome !== undefined) out.outcome = layer.outcome;
    if (layer.submitError !== undefined) out.submitError = layer.submitError;
    if (layer.hold !== undefined) out.hold = layer.hold;
  }
  return out;
}

export class ScriptQueue {
  private readonly entries: JobScript[] = [];

  push(...jobs: JobScript[]): void {
    this.entries.push(...jobs);
  }

  /** Next entry merged over the defaults (defaults alone when nothing is scripted). */
  next(defaults: JobScript): ResolvedScript {
    return resolveScript(defaults, this.entries.shift());
  }

  get pending(): number {
    return this.entries.length;
  }
}
