import type { Logger } from "../logger.js";
import type { Story, StoryStore } from "../store/story-store.js";
import type { Clock } from "../util/clock.js";

export interface StorybookLeaseKeeperDeps {
  stories: Pick<StoryStore, "renewStorybooks" | "claimStorybooks">;
  clock: Clock;
  logger: Logger;
  leaseMs: number;
  /** A storybook whose builder died (its lease ran out): build and post it here. */
  resume(story: Story): void;
}

/**
 * The storybook twin of the job lease keeper (lease-keeper.ts): keeps the leases of the
 * storybooks this process builds alive (every third of a lease), and takes over, every quarter
 * of a lease, those whose process died, so such a storybook is posted within about 1.25 leases.
 */
export function startStorybookLeaseKeeper(deps: StorybookLeaseKeeperDeps): { stop(): void } {
  const { stories, clock, logger, leaseMs } = deps;
  let stopped = false;
  let cancelTimer = () => {};

  async function renew(): Promise<void> {
    for (const storyId of await stories.renewStorybooks()) {
      // The build here cannot be called back; the other process posts only if it finds no post of this one's (alreadyPosted).
      logger.warn({ storyId }, "another process took this storybook over (this process's lease ran out)");
    }
  }

  async function takeOver(): Promise<void> {
    for (const story of await stories.claimStorybooks()) {
      logger.info({ storyId: story.id }, "taking over a storybook whose process stopped renewing its lease");
      deps.resume(story);
    }
  }

  const renewEvery = Math.max(250, Math.floor(leaseMs / 3));
  const scanEvery = Math.max(250, Math.floor(leaseMs / 4));
  let nextRenew = clock.now() + renewEvery;
  let nextScan = clock.now() + scanEvery;

  function tick(): void {
    if (stopped) return;
    const now = clock.now();
    const work: Promise<void>[] = [];
    if (now >= nextRenew) {
      nextRenew = now + renewEvery;
      work.push(renew());
    }
    if (now >= nextScan) {
      nextScan = now + scanEvery;
      work.push(takeOver());
    }
    void Promise.all(work)
      .catch((error: unknown) => logger.error({ err: error }, "could not renew or claim storybook leases; will retry"))
      .finally(() => {
        if (!stopped) cancelTimer = clock.schedule(tick, Math.max(0, Math.min(nextRenew, nextScan) - clock.now()));
      });
  }
  cancelTimer = clock.schedule(tick, Math.min(renewEvery, scanEvery));

  return {
    stop() {
      stopped = true;
      cancelTimer();
    },
  };
}
