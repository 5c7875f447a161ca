/**
 * Where the message menus may fetch image bytes from: Discord's own attachment and media hosts
 * only, so a message cannot make StoryCast request an address of its choosing (an embed's image
 * can point anywhere, including the operator's own network). Configurable so the tests and the
 * playground can point it at the local fake CDN.
 */
export const DEFAULT_DISCORD_CDN_HOSTS: readonly string[] = Object.freeze([
  "cdn.discordapp.com",
  "media.discordapp.net",
  // Discord's media proxy for embedded links' images (an embed's proxy_url).
  "images-ext-1.discordapp.net",
  "images-ext-2.discordapp.net",
]);

/**
 * DISCORD_CDN_HOSTS: a comma-separated list of bare host names (https on the default port) or
 * exact origins (`http://127.0.0.1:5050`: that scheme, host and port only). Returns the entries,
 * or the problem with the first bad one.
 */
export function parseCdnHosts(text: string): { hosts: string[] } | { problem: string } {
  const hosts: string[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry.includes("://")) {
      let origin: string;
      try {
        origin = new URL(entry).origin;
      } catch {
        return { problem: `"${entry}" is not a URL origin like https://cdn.example.com or http://127.0.0.1:5050` };
      }
      // Only an origin: a path, query or credentials would make the entry mean something it does not.
      if (origin === "null" || origin !== entry.replace(/\/$/, "")) return { problem: `"${entry}" must be an origin only (scheme://host[:port]), without a path` };
      hosts.push(origin);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      hosts.push(entry);
    } else {
      return { problem: `"${entry}" is not a host name like cdn.discordapp.com` };
    }
  }
  return hosts.length > 0 ? { hosts } : { problem: "must list at least one host, like cdn.discordapp.com,media.discordapp.net" };
}

/** Whether a URL is on one of the allowed hosts: a bare name matches https on its default port; an origin matches exactly. */
export function isAllowedCdnUrl(url: string, allowed: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  return allowed.some((entry) =>
    entry.includes("://") ? parsed.origin === entry : parsed.protocol === "https:" && parsed.port === "" && parsed.hostname === entry,
  );
}
