import { describe, expect, it } from "vitest";
import { installContextOf } from "../../src/domain/install-context.js";

describe("installContextOf", () => {
  it("when StoryCast is installed in the server, then the server's settings apply and it may post there", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: { "0": "10" }, context: 0, mayUseExternalApps: true })).toEqual({ serverId: "10", viaUserInstall: false, interactionOnly: false, answersPrivate: false });
    // A member who also installed it for themselves changes nothing.
    expect(installContextOf({ guildId: "10", authorizingOwners: { "0": "10", "1": "7" }, context: 0, mayUseExternalApps: true })).toEqual({ serverId: "10", viaUserInstall: false, interactionOnly: false, answersPrivate: false });
  });
  it("when only the member's install brought it into a server or group DM, then no server applies and it may only answer the interaction", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: { "1": "7" }, context: 0, mayUseExternalApps: true })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: true, answersPrivate: false });
    expect(installContextOf({ guildId: null, authorizingOwners: { "1": "7" }, context: 2, mayUseExternalApps: null })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: true, answersPrivate: false });
  });
  it("when in StoryCast's own DM, then it may post there; a user install there is still a user install", () => {
    expect(installContextOf({ guildId: null, authorizingOwners: { "0": "0" }, context: 1, mayUseExternalApps: null })).toEqual({ serverId: null, viaUserInstall: false, interactionOnly: false, answersPrivate: false });
    expect(installContextOf({ guildId: null, authorizingOwners: { "1": "7" }, context: 1, mayUseExternalApps: null })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: false, answersPrivate: false });
  });
  it("when only the member's install brought it into a server that does not let them use external apps, then every answer there is private", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: { "1": "7" }, context: 0, mayUseExternalApps: false })).toEqual({ serverId: null, viaUserInstall: true, interactionOnly: true, answersPrivate: true });
    // Where StoryCast itself is installed the permission does not apply ("only applies to apps not also installed to the server").
    expect(installContextOf({ guildId: "10", authorizingOwners: { "0": "10", "1": "7" }, context: 0, mayUseExternalApps: false }).answersPrivate).toBe(false);
    expect(installContextOf({ guildId: null, authorizingOwners: { "1": "7" }, context: 2, mayUseExternalApps: null }).answersPrivate).toBe(false);
  });
  it("when the payload has no owners (older gateways), then it is taken as the server install it was", () => {
    expect(installContextOf({ guildId: "10", authorizingOwners: null, context: null, mayUseExternalApps: true })).toEqual({ serverId: "10", viaUserInstall: false, interactionOnly: false, answersPrivate: false });
  });
});
