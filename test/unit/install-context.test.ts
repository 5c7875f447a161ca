import { describe, expect, it } from "vitest";
import { installContextOf } from "../../src/domain/install-context.js";

describe("installContextOf", () => {
  it("when StoryCast is installed in the server, then the server's settings apply and it may post there", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: { "0": "10" }, context: 0 })).toEqual({ serverId: "10", viaUserInstall: false, interactionOnly: false });
    // A member who also installed it for themselves changes nothing.
    expect(installContextOf({ guildId: "10", authorizingOwners: { "0": "10", "1": "7" }, context: 0 })).toEqual({ serverId: "10", viaUserInstall: false, interactionOnly: false });
  });
  it("when only the member's install brought it into a server or group DM, then no server applies and it may only answer the interaction", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: { "1": "7" }, context: 0 })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: true });
    expect(installContextOf({ guildId: null, authorizingOwners: { "1": "7" }, context: 2 })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: true });
  });
  it("when in StoryCast's own DM, then it may post there; a user install there is still a user install", () => {
    expect(installContextOf({ guildId: null, authorizingOwners: { "0": "0" }, context: 1 })).toEqual({ serverId: null, viaUserInstall: false, interactionOnly: false });
    expect(installContextOf({ guildId: null, authorizingOwners: { "1": "7" }, context: 1 })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: false });
  });
  it("when the payload has no owners (older gateways), then it is taken as the server install it was", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: null, context: null })).toEqual({ serverId: "10", viaUserInstall: false, interactionOnly: false });
  });
});
