// Writes what the demo produced into the output folder, with a README.txt saying what each file is.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DemoTranscript } from "./story-script.js";

/** Writes every file of the transcript and README.txt into `outDir`; returns the names written. */
export async function writeDemoOutput(outDir: string, transcript: DemoTranscript, logFile: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  for (const file of transcript.files) await writeFile(join(outDir, file.name), file.bytes);
  const readme = [
    "StoryCast demo — a session played against local fakes of Discord and fal (no accounts, no network).",
    "",
    "What happened:",
    ...transcript.steps.map((line, i) => `${i + 1}. ${line}`),
    "",
    "Files:",
    ...transcript.files.map((file) => `- ${file.name}: ${file.about}`),
    `- ${logFile}: everything the bot logged during the session`,
    "",
    "The images come from the fake fal (flat colours, one per seed): with a real FAL_KEY the same",
    "session makes real pictures of the character. See README.md, \"Quick start\".",
    "",
  ].join("\n");
  await writeFile(join(outDir, "README.txt"), readme);
  return [...transcript.files.map((file) => file.name), logFile, "README.txt"];
}
