/**
 * Button custom_ids carry the job id (and nothing else the bot must remember), so
 * buttons keep working after a restart: `imagine:<action>:<jobId>`.
 */
export type ResultAction = "reroll" | "delete" | "cancel" | "save";

const PREFIX = "imagine";
const ACTIONS: readonly ResultAction[] = ["reroll", "delete", "cancel", "save"];

export function resultButtonId(action: ResultAction, jobId: string): string {
  return `${PREFIX}:${action}:${jobId}`;
}

export function parseResultButtonId(customId: string): { action: ResultAction; jobId: string } | undefined {
  const [prefix, action, jobId, ...rest] = customId.split(":");
  if (prefix !== PREFIX || !jobId || rest.length > 0) return undefined;
  const known = ACTIONS.find((candidate) => candidate === action);
  return known ? { action: known, jobId } : undefined;
}
