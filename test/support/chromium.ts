import { execFileSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** How to get the browser the storybook test needs; printed when it is missing. */
export const INSTALL_CHROMIUM =
  "The storybook browser test needs Chromium. Install Debian's package: `sudo apt-get update && sudo apt-get install -y chromium` " +
  "(.ci/run does this), or set CHROMIUM_PATH to a Chromium or Chrome binary.";

/** The flags: no sandbox (CI runs as root), no GPU, and nothing Chromium fetches on its own. */
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The Chromium binary: $CHROMIUM_PATH, else what `command -v chromium` finds, else /usr/bin/chromium.
 * Throws with install instructions when there is none, so a machine without it fails the test
 * rather than skipping it (Playwright's own browser download is never used).
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`CHROMIUM_PATH is ${explicit}, which is not an executable file. ${INSTALL_CHROMIUM}`);
  }
  let found = "";
  try {
    found = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8", env }).trim();
  } catch {
    // not on PATH: try Debian's location below
  }
  for (const candidate of [found, "/usr/bin/chromium"]) if (candidate && isExecutable(candidate)) return candidate;
  throw new Error(`No Chromium found (not on PATH, not at /usr/bin/chromium). ${INSTALL_CHROMIUM}`);
}

export interface Browser {
  context: BrowserContext;
  /** The fresh profile folder Chromium was started with. */
  userDataDir: string;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh user-data directory (removed on close). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  const userDataDir = mkdtempSync(join(tmpdir(), "storycast-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1024, height: 768 } });
  return {
    context,
    userDataDir,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
