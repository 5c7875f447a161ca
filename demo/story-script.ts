// The scripted session the demo plays, through the fake Discord's interaction API exactly as a
// member's client would send it: save a character, start a story, three scenes by two members, end it.
import type { FakeDiscord, FakeUser, InteractionHandle, StoredAttachment, StoredMessage } from "../fakes/discord/index.js";
import { sniffImage } from "../fakes/fal/index.js";
import { portraitPng } from "./portrait-png.js";

/** A file the session produced, to be written into the output folder. */
export interface DemoFile {
  name: string;
  bytes: Buffer;
  /** One line for README.txt: what the file is. */
  about: string;
}

export interface DemoTranscript {
  /** What happened, one line per step, in order. */
  steps: string[];
  files: DemoFile[];
}

export const STORY_TITLE = "The Lantern Isles";
const CHARACTER = "Mira";
/** Scenes in order: who adds each and what happens. */
export const SCENES: readonly { member: "alice" | "bob"; prompt: string }[] = [
  { member: "alice", prompt: "Mira lands her airship on a floating island lit by paper lanterns" },
  { member: "bob", prompt: "Mira trades a compass for a map with a fox merchant at the night market" },
  { member: "alice", prompt: "Mira sails home at dawn as the lanterns drift up into the clouds" },
];

/** How long one step may take before the demo gives up and says which step hung. */
const STEP_TIMEOUT_MS = 20_000;

/** Plays the session; `log` gets a progress line per step. Throws with the step and the bot's last reply if a step fails. */
export async function playStory(discord: FakeDiscord, log: (line: string) => void): Promise<DemoTranscript> {
  const steps: string[] = [];
  const files: DemoFile[] = [];
  const step = (line: string) => {
    steps.push(line);
    log(line);
  };
  const { alice, bob } = discord.users;
  const nameOf = (user: FakeUser) => user.username[0]!.toUpperCase() + user.username.slice(1);

  const portrait = portraitPng();
  files.push({ name: "character-mira.png", bytes: portrait, about: `the reference image ${nameOf(alice)} saved as the character ${CHARACTER}` });
  const reference = discord.attachment(portrait, "mira.png", { contentType: "image/png" });
  const description = "a sky pirate in a red coat and a wide hat";
  const saved = await finalReply(discord, discord.command("character save", { name: CHARACTER, reference, description } as never, { user: alice }), /Saved/, "/character save");
  step(`${nameOf(alice)} saved the character ${CHARACTER} (/character save): ${firstLine(saved)}`);

  const started = await finalReply(discord, discord.command("story start", { title: STORY_TITLE, character: CHARACTER } as never, { user: alice }), /./, "/story start");
  const thread = discord.threads(discord.channelId).find((t) => t.name === STORY_TITLE);
  if (!thread) throw new Error(`/story start opened no thread named "${STORY_TITLE}" (the bot answered: ${firstLine(started)})`);
  step(`${nameOf(alice)} started the story "${STORY_TITLE}" (/story start), in its own thread`);

  for (const [index, scene] of SCENES.entries()) {
    const number = index + 1;
    const user = scene.member === "alice" ? alice : bob;
    const before = new Set(discord.messages(thread.id).map((m) => m.id));
    await finalReply(discord, discord.command("story scene", { prompt: scene.prompt } as never, { user, channelId: thread.id }), /posted in the channel/, `/story scene ${number}`);
    const images = discord
      .messages(thread.id)
      .filter((m) => !before.has(m.id))
      .flatMap((m) => m.attachments.filter(isImage));
    if (images.length === 0) throw new Error(`scene ${number} was reported done, but no image was posted in the thread`);
    for (const [i, image] of images.entries()) {
      files.push({ name: `scene-${number}-${i + 1}.png`, bytes: image.bytes, about: `scene ${number} by ${nameOf(user)}: "${scene.prompt}"` });
    }
    step(`${nameOf(user)} added scene ${number} (/story scene): "${scene.prompt}" — ${images.length} image${images.length === 1 ? "" : "s"}`);
  }

  const ended = await finalReply(discord, discord.command("story end", {}, { user: alice, channelId: thread.id }), /the end/i, "/story end");
  const book = ended.attachments.find((a) => a.filename.endsWith(".html"));
  if (!book) throw new Error(`/story end answered without a storybook file: ${firstLine(ended)}`);
  files.push({ name: "storybook.html", bytes: book.bytes, about: "the storybook the bot posted when the story ended: open it in any browser" });
  step(`${nameOf(alice)} ended the story (/story end): the storybook ${book.filename} was posted (${Math.round(book.bytes.length / 1024)} KB)`);
  return { steps, files };
}

const isImage = (attachment: StoredAttachment) => sniffImage(attachment.bytes) !== undefined;
const firstLine = (message: StoredMessage) => message.text.split("\n")[0] ?? "";

/**
 * The reply the member ends up seeing once it matches `pattern`: an immediate answer, or the
 * deferred reply once the bot has edited it. A reply that reports a failure (the bot's "⚠️"
 * notices) ends the demo at once, quoting it; a step that hangs ends it after STEP_TIMEOUT_MS.
 */
async function finalReply(discord: FakeDiscord, handle: InteractionHandle, pattern: RegExp, what: string): Promise<StoredMessage> {
  await handle.callback(STEP_TIMEOUT_MS);
  let outcome: { reply: StoredMessage; failed: boolean };
  try {
    outcome = await discord.waitFor(
      () => {
        const reply = handle.original();
        if (!reply || reply.loading) return undefined;
        if (reply.text.startsWith("⚠️")) return { reply, failed: true };
        return pattern.test(reply.text) ? { reply, failed: false } : undefined;
      },
      STEP_TIMEOUT_MS,
      what,
    );
  } catch {
    throw new Error(`${what} did not finish within ${STEP_TIMEOUT_MS / 1000} s; the bot's reply is: ${JSON.stringify(handle.original()?.text ?? "(none)")}`);
  }
  if (outcome.failed) throw new Error(`${what} failed; the bot answered: ${JSON.stringify(outcome.reply.text)}`);
  return outcome.reply;
}
