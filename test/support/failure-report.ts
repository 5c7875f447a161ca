/**
 * What a failing test prints about the running bots, so a failure seen only in CI explains
 * itself: the bot's last log lines, the last requests that reached the fake Discord (with their
 * statuses: a late acknowledgement shows as a refused callback) and the fake gateway's state.
 * Each stack registers itself while it runs; `report-failures.setup.ts` prints them when a
 * test fails.
 */
type Describe = () => string;

const active = new Map<number, { name: string; describe: Describe }>();
let next = 0;

/** Registers a description to print if a test fails while it runs; returns its removal. */
export function reportOnFailure(name: string, describe: Describe): () => void {
  const id = next++;
  active.set(id, { name, describe });
  return () => active.delete(id);
}

/** The descriptions of everything registered now (a description that throws says so). */
export function failureReport(): string {
  return [...active.values()]
    .map(({ name, describe }) => {
      let text: string;
      try {
        text = describe();
      } catch (error) {
        text = `(could not be described: ${String(error)})`;
      }
      return `──── ${name} ────\n${text}`;
    })
    .join("\n");
}
