/**
 * Removes credentials from text before it leaves the process (log lines, stderr).
 *
 * Two kinds of secret: the ones the bot is configured with (DISCORD_TOKEN, FAL_KEY), removed
 * by value, and the ones it is handed at run time (every interaction's token, valid for 15
 * minutes, enough to post as the bot in that channel), which no list can name, so they are
 * removed by shape. The route around a token is kept, so a log still says what was called:
 * `/webhooks/123/[redacted]/messages/@original`.
 */
export const REDACTED = "[redacted]";

/** Below this length a "secret" is a placeholder, and replacing it would garble ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** A part of a `key_id:key_secret` fal key long enough to be a credential on its own. */
const MIN_SECRET_PART_LENGTH = 16;

const patterns: readonly [RegExp, string][] = [
  // The token segment of interaction webhooks and callbacks, in URLs and route strings
  // (discord.js errors carry `url`; a callback is /interactions/{id}/{token}/callback).
  [/(\/(?:webhooks|interactions)\/\d+\/)[^/?#\s"'\\]+/g, `$1${REDACTED}`],
  // discord.js names a webhook's rate-limit bucket `{application id}/{token}` (majorParameter).
  [/(\b\d{15,21}\/)[A-Za-z0-9_-]{60,}/g, `$1${REDACTED}`],
  // Interaction tokens are base64 of "interaction:{id}:…": this prefix is how they begin.
  [/aW50ZXJhY3Rpb246[A-Za-z0-9_-]*/g, REDACTED],
  // A header a library or proxy echoed back, whatever credential it carries.
  [/(authorization["']?\s*[:=]\s*["']?)(?:Bot|Bearer|Key|Basic)\s+[^\s"',;}\\]+/gi, `$1${REDACTED}`],
  // Any other long unbroken base64url run: tokens are; ids, hashes and words are not this long.
  // (The lookbehind starts a match only where a run starts: without it every position inside
  // each shorter run is tried again, which made this rule cost 25× all the others together.)
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{80,}/g, REDACTED],
];

export type Redactor = (text: string) => string;

/** A function that removes `secrets` (by value) and interaction tokens (by shape) from a text. */
export function createRedactor(secrets: readonly string[]): Redactor {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    values.add(secret);
    // A fal key is `id:secret`; the secret half alone is just as dangerous if something quotes it.
    for (const part of secret.split(":")) if (part.length >= MIN_SECRET_PART_LENGTH) values.add(part);
  }
  // Longest first, so a secret that contains another is removed whole.
  const hidden = [...values].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of hidden) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
    return out;
  };
}
