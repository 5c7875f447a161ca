/**
 * Discord ("Create Followup Message"): "Apps are limited to 5 followup messages per interaction
 * if it was initiated from a user-installed app and isn't installed in the server".
 */
export const USER_INSTALL_FOLLOWUP_CAP = 5;
/** Tokens live 15 minutes; a few thousand of them is far more than are ever in flight at once. */
const MAX_TRACKED_TOKENS = 5_000;

/**
 * What this process knows of the follow-ups each interaction token has used. The count spares a
 * request Discord would refuse; Discord's own refusal (40094) stays the truth, so a job resumed
 * after a restart (count lost) or a token other code also used still never gets a 6th follow-up:
 * the refused request posts nothing and marks the token exhausted here.
 */
export interface FollowUpBudget {
  /** Whether a follow-up on this token may still be tried. */
  available(token: string): boolean;
  /** A follow-up on this token was posted. */
  spend(token: string): void;
  /** Discord said this token has no follow-ups left. */
  exhaust(token: string): void;
}

export function createFollowUpBudget(cap = USER_INSTALL_FOLLOWUP_CAP): FollowUpBudget {
  const used = new Map<string, number>();
  const set = (token: string, count: number) => {
    used.delete(token); // re-inserted last: the oldest tokens are forgotten first
    used.set(token, count);
    if (used.size > MAX_TRACKED_TOKENS) used.delete(used.keys().next().value!);
  };
  return {
    available: (token) => (used.get(token) ?? 0) < cap,
    spend: (token) => set(token, (used.get(token) ?? 0) + 1),
    exhaust: (token) => set(token, cap),
  };
}

/** The process's budget: every reply target of one bot shares what Discord told it about a token. */
export const processFollowUpBudget = createFollowUpBudget();
