import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/domain/errors.js";
import { checkUserInstall } from "../../src/domain/user-install-policy.js";

const allowlist = new Set(["alice"]);

describe("who may use StoryCast through a member's own install (USER_INSTALL)", () => {
  it("when StoryCast came through a server's install or its DMs, then USER_INSTALL does not matter", () => {
    for (const userInstall of ["off", "allowlist", "everyone"] as const) {
      expect(() => checkUserInstall({ userInstall, userInstallAllowlist: new Set() }, { viaUserInstall: false, userId: "bob" })).not.toThrow();
    }
  });

  it("when USER_INSTALL is off, then a user-install request is refused, saying where StoryCast works and whom to ask", () => {
    const refuse = () => checkUserInstall({ userInstall: "off", userInstallAllowlist: allowlist }, { viaUserInstall: true, userId: "alice" });
    expect(refuse).toThrow(UserFacingError);
    expect(refuse).toThrow(/isn't available here: it only works in servers that added it, and in its DMs\. .*ask the person who runs StoryCast/);
  });

  it("when USER_INSTALL is allowlist, then a listed member is let through and anyone else is refused, saying why", () => {
    const policy = { userInstall: "allowlist" as const, userInstallAllowlist: allowlist };
    expect(() => checkUserInstall(policy, { viaUserInstall: true, userId: "alice" })).not.toThrow();
    expect(() => checkUserInstall(policy, { viaUserInstall: true, userId: "bob" })).toThrow(/lets only listed members use it, and you aren't on the list/);
  });

  it("when USER_INSTALL is everyone, then every member may use it", () => {
    expect(() => checkUserInstall({ userInstall: "everyone", userInstallAllowlist: new Set() }, { viaUserInstall: true, userId: "bob" })).not.toThrow();
  });
});
