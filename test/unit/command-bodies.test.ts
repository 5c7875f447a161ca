import { describe, expect, it } from "vitest";
import { commandBodies } from "../../src/discord/command-bodies.js";
import { commands, messageCommands } from "../../commands/index.js";

/** What each registered body says about where it is offered, by command name. */
function whereOffered(config: Parameters<typeof commandBodies>[0]) {
  return Object.fromEntries(
    commandBodies(config, { commands, messageCommands }).map((body) => {
      const b = body as { name: string; integration_types?: number[]; contexts?: number[] | null };
      return [b.name, { integration_types: b.integration_types, contexts: b.contexts }];
    }),
  );
}

const ANYWHERE = ["imagine", "edit", "remix", "upscale", "character", "help", "status"];
const SERVER_ONLY = ["story", "settings", "usage"];

describe("command registration bodies", () => {
  it("covers every command: the ones that make sense anywhere and the server-only ones", () => {
    expect(commands.map((command) => command.definition.name).sort()).toEqual([...ANYWHERE, ...SERVER_ONLY].sort());
    expect(commands.filter((command) => command.scope === "server").map((command) => command.definition.name).sort()).toEqual([...SERVER_ONLY].sort());
  });

  for (const userInstall of ["allowlist", "everyone"] as const) {
    it(`when USER_INSTALL=${userInstall}, then global commands that make sense anywhere are offered to both installs in servers, the bot's DM and group DMs; server-only ones stay in servers`, () => {
      const bodies = whereOffered({ guildId: undefined, userInstall });
      for (const name of ANYWHERE) expect(bodies[name], name).toEqual({ integration_types: [0, 1], contexts: [0, 1, 2] });
      for (const name of SERVER_ONLY) expect(bodies[name], name).toEqual({ integration_types: [0], contexts: [0] });
    });
  }

  it("when USER_INSTALL=off, then nothing is offered to user installs: anywhere commands in servers and the bot's DM", () => {
    const bodies = whereOffered({ guildId: undefined, userInstall: "off" });
    for (const name of ANYWHERE) expect(bodies[name], name).toEqual({ integration_types: [0], contexts: [0, 1] });
    for (const name of SERVER_ONLY) expect(bodies[name], name).toEqual({ integration_types: [0], contexts: [0] });
  });

  it("when registered to one server (DISCORD_GUILD_ID), then no body carries integration_types or contexts (Discord: only for global commands)", () => {
    const bodies = whereOffered({ guildId: "123456789012345678", userInstall: "everyone" });
    for (const [name, fields] of Object.entries(bodies)) expect(fields, name).toEqual({ integration_types: undefined, contexts: undefined });
  });
});
