import { Routes, type REST, type RESTPostAPIApplicationCommandsJSONBody } from "discord.js";
import type { Logger } from "../logger.js";

type Definition = RESTPostAPIApplicationCommandsJSONBody;

/**
 * Makes the registered commands equal the definitions: fetch, compare, and
 * bulk-overwrite only when they differ (a PUT on every start would reset
 * Discord's command cache for every user and count against a daily limit).
 */
export async function syncCommands(
  rest: REST,
  applicationId: string,
  guildId: string | undefined,
  definitions: readonly Definition[],
  logger: Logger,
): Promise<{ changed: boolean }> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const registered = (await rest.get(route)) as unknown[];
  const wanted = definitions.map(normalize).sort(byName);
  const current = registered.map(normalize).sort(byName);
  if (JSON.stringify(wanted) === JSON.stringify(current)) {
    logger.info({ scope: guildId ? `guild ${guildId}` : "global", count: definitions.length }, "commands up to date");
    return { changed: false };
  }
  await rest.put(route, { body: definitions });
  logger.info({ scope: guildId ? `guild ${guildId}` : "global", count: definitions.length }, "commands registered");
  return { changed: true };
}

const byName = (a: { name: unknown }, b: { name: unknown }) => String(a.name).localeCompare(String(b.name));

/** The fields that matter, with Discord's defaults filled in, so a fetched command and a definition compare equal. */
function normalize(command: unknown): { name: unknown; [field: string]: unknown } {
  const c = command as Record<string, unknown>;
  return {
    name: c.name,
    description: c.description ?? "",
    type: c.type ?? 1,
    default_member_permissions: c.default_member_permissions ?? null,
    nsfw: c.nsfw ?? false,
    contexts: c.contexts ?? null,
    // Discord fills in the guild install when a command names none.
    integration_types: c.integration_types ?? [0],
    options: normalizeOptions(c.options),
  };
}

function normalizeOptions(options: unknown): unknown[] {
  if (!Array.isArray(options)) return [];
  return options.map((option: Record<string, unknown>) => ({
    type: option.type,
    name: option.name,
    description: option.description ?? "",
    required: option.required ?? false,
    autocomplete: option.autocomplete ?? false,
    choices: Array.isArray(option.choices) ? option.choices.map((choice: Record<string, unknown>) => ({ name: choice.name, value: choice.value })) : [],
    min_value: option.min_value ?? null,
    max_value: option.max_value ?? null,
    min_length: option.min_length ?? null,
    max_length: option.max_length ?? null,
    channel_types: option.channel_types ?? [],
    options: normalizeOptions(option.options),
  }));
}
