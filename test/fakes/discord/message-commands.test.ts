/**
 * Message commands (the Apps menu on a message) and members' own messages with files, driven by a
 * REAL discord.js Client: registration of type 3 commands, the APPLICATION_COMMAND the menu sends,
 * and the modal answer it allows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApplicationCommandType, Client, Events, GatewayIntentBits, LabelBuilder, ModalBuilder, Routes, TextInputBuilder, TextInputStyle, type Interaction } from "discord.js";
import { startFakeDiscord, type FakeDiscord } from "../../../fakes/discord/index.js";
import { makePng } from "../../../fakes/fal/index.js";

let fake: FakeDiscord;
let client: Client;
const seen: Interaction[] = [];

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  client.on(Events.InteractionCreate, (i) => {
    seen.push(i);
    if (i.isMessageContextMenuCommand()) {
      void i.showModal(
        new ModalBuilder()
          .setCustomId(`form:${i.targetId}`)
          .setTitle("Form")
          .addLabelComponents(new LabelBuilder().setLabel("Prompt").setTextInputComponent(new TextInputBuilder().setCustomId("prompt").setStyle(TextInputStyle.Short))),
      );
    }
  });
  const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(fake.token);
  await ready;
  // Context-menu names may have capitals and spaces (docs "Application Commands" → Application Command Naming).
  await client.rest.put(Routes.applicationGuildCommands(fake.applicationId, fake.guildId), {
    body: [
      { type: ApplicationCommandType.Message, name: "Use as reference" },
      { type: ApplicationCommandType.ChatInput, name: "imagine", description: "d" },
    ],
  });
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe("a member's message and its Apps menu", () => {
  it("when a member posts a file, then it is on the fake CDN with Discord's metadata ", async () => {
    const png = makePng({ width: 20, height: 10, seed: 1, targetBytes: 800 });
    const message = fake.userMessage({ user: fake.users.bob, content: "my knight", files: [{ bytes: png, filename: "my knight.png" }] });
    expect(message).toMatchObject({ authorId: fake.users.bob.id, content: "my knight", channelId: fake.channelId });
    const [first] = message.attachments;
    expect(first).toMatchObject({ filename: "my_knight.png", size: png.length, contentType: "image/png", width: 20, height: 10 });
    const response = await fetch(first!.url);
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).toBe(true);
  });

  it("when a member picks a message command, then the bot gets it with the message resolved (with the metadata its files claim), and may answer with a modal", async () => {
    const png = makePng({ width: 8, height: 8, seed: 2, targetBytes: 300 });
    const message = fake.userMessage({ content: "look", files: [{ bytes: png, filename: "cat.png" }, { bytes: Buffer.from("hi"), filename: "big.png", size: 99_000_000 }] });
    const handle = fake.messageCommand("Use as reference", message, { user: fake.users.bob });
    expect(handle.payload).toMatchObject({ type: 2, data: { name: "Use as reference", type: 3, target_id: message.id, guild_id: fake.guildId } });
    expect(handle.payload.data.resolved.messages[message.id]).toMatchObject({ id: message.id, content: "look", attachments: [{ filename: "cat.png", content_type: "image/png" }, { filename: "big.png", size: 99_000_000 }] });
    const callback = await handle.callback();
    expect(callback.type).toBe(9);
    const interaction = seen.find((i) => i.id === handle.id);
    expect(interaction?.isMessageContextMenuCommand() && [interaction.commandName, interaction.targetMessage.id, interaction.targetMessage.attachments.first()?.url]).toEqual([
      "Use as reference",
      message.id,
      message.attachments[0]!.url,
    ]);
    const submit = fake.submitModal(handle, { prompt: "a beach" });
    expect(submit.payload).toMatchObject({ type: 5, data: { custom_id: `form:${message.id}` } });
  });

  it("when the name is not a registered message command, then the fake refuses to send it (Discord's client would not list it)", () => {
    const message = fake.userMessage({ content: "x" });
    expect(() => fake.messageCommand("imagine", message)).toThrow('no message command "imagine" is registered');
    expect(() => fake.messageCommand("Remix", message)).toThrow('no message command "Remix" is registered');
  });
});
