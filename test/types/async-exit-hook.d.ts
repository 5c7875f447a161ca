// async-exit-hook 2.x ships no types; only what embedded-postgres-server.ts uses.
declare module "async-exit-hook" {
  interface AsyncExitHook {
    (hook: (done?: () => void) => void): void;
    /** Stops listening to a process event the hooks were registered on ("beforeExit", "SIGINT", …). */
    unhookEvent(event: string): void;
    /** The process events the hooks are registered on. */
    hookedEvents(): string[];
  }
  const asyncExitHook: AsyncExitHook;
  export default asyncExitHook;
}
