/**
 * Requests held open until a test releases them: a Discord that hangs (a stuck upload, a
 * slow command sync), for tests of start-up order and shutdown deadlines.
 */
export interface StallSpec {
  method?: string;
  /** Tested against the path below `/api/v10`. */
  path: RegExp;
  /** How many matching requests are held. Default 1. */
  count?: number;
  /** true: only requests that carry files; false: only those without. Default: either. */
  withFiles?: boolean;
}

export interface Stall {
  /** How many requests are being held now. */
  readonly held: number;
  /** Lets every held request (and later matching ones) through. */
  release(): void;
}

export class StallInjector {
  private readonly stalls: { spec: StallSpec; remaining: number; waiters: (() => void)[]; released: boolean }[] = [];

  add(spec: StallSpec): Stall {
    const stall = { spec, remaining: spec.count ?? 1, waiters: [] as (() => void)[], released: false };
    this.stalls.push(stall);
    return {
      get held() {
        return stall.waiters.length;
      },
      release() {
        stall.released = true;
        stall.waiters.splice(0).forEach((resume) => resume());
      },
    };
  }

  /** Resolves at once, or when the matching stall is released. */
  wait(method: string, path: string, fileCount = 0): Promise<void> {
    for (const stall of this.stalls) {
      if (stall.released || stall.remaining <= 0) continue;
      if (stall.spec.method && stall.spec.method.toUpperCase() !== method.toUpperCase()) continue;
      if (stall.spec.withFiles !== undefined && stall.spec.withFiles !== fileCount > 0) continue;
      stall.spec.path.lastIndex = 0;
      if (!stall.spec.path.test(path)) continue;
      stall.remaining--;
      return new Promise((resolve) => stall.waiters.push(resolve));
    }
    return Promise.resolve();
  }

  releaseAll(): void {
    for (const stall of this.stalls) {
      stall.released = true;
      stall.waiters.splice(0).forEach((resume) => resume());
    }
  }
}
