import { UserFacingError } from "./errors.js";

/** Who may use StoryCast where only a member's own install brought it (USER_INSTALL, USER_INSTALL_ALLOWLIST). */
export interface UserInstallPolicy {
  userInstall: "off" | "allowlist" | "everyone";
  userInstallAllowlist: ReadonlySet<string>;
}

/**
 * Refuses a paid request that came only through a member's own install when the operator does
 * not let that member use StoryCast there (every use is on the operator's fal key). Requests
 * through a server's install, or in the bot's DMs through it, are the server's and DMs' rules' business.
 */
export function checkUserInstall(policy: UserInstallPolicy, request: { viaUserInstall: boolean; userId: string }): void {
  if (!request.viaUserInstall || policy.userInstall === "everyone") return;
  if (policy.userInstall === "off") {
    throw new UserFacingError(
      "StoryCast isn't available here: it only works in servers that added it, and in its DMs. " +
        "Use it in a server that has it, or ask the person who runs StoryCast to add it to yours.",
    );
  }
  if (!policy.userInstallAllowlist.has(request.userId)) {
    throw new UserFacingError(
      "StoryCast isn't available to you here: outside the servers that added it, its operator lets only listed members use it, and you aren't on the list. " +
        "Use it in a server that has it, or ask the person who runs StoryCast to add you.",
    );
  }
}
