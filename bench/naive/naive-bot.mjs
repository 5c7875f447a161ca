// The yardstick for StoryCast's memory: the bot anyone would write first with discord.js
// and @fal-ai/client, and nothing else. /imagine defers, downloads the reference, uploads
// it to fal storage, waits for the job with fal.subscribe, downloads the images and edits
// them into the reply. No queue, no store, no limits, no progress. Run by bench/subjects.ts
// in a process of its own with the same probe as StoryCast's bot process. Plain JavaScript
// (like the probe) so it needs no compiling. Logs one JSON line per job, with the messages
// bench/support.ts JobWatch counts.
import { createFalClient } from "@fal-ai/client";
import { AttachmentBuilder, Client, GatewayIntentBits } from "discord.js";

const { DISCORD_TOKEN, FAL_KEY, DISCORD_API_URL, FAL_PROXY_URL } = process.env;
const log = (msg, extra = {}) => console.log(JSON.stringify({ msg, ...extra }));

const fal = createFalClient({ credentials: FAL_KEY, ...(FAL_PROXY_URL ? { proxyUrl: { url: FAL_PROXY_URL, when: "always" } } : {}) });
const client = new Client({ intents: [GatewayIntentBits.Guilds], ...(DISCORD_API_URL ? { rest: { api: DISCORD_API_URL } } : {}) });

client.on("interactionCreate", async (interaction) => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== "imagine") return;
  try {
    await interaction.deferReply();
    const prompt = interaction.options.getString("prompt", true);
    const reference = interaction.options.getAttachment("reference", true);
    const bytes = await (await fetch(reference.url)).arrayBuffer();
    const referenceUrl = await fal.storage.upload(new Blob([bytes], { type: reference.contentType ?? "image/png" }));
    const { data } = await fal.subscribe("fal-ai/ideogram/character", {
      input: {
        prompt,
        reference_image_urls: [referenceUrl],
        image_size: interaction.options.getString("size") ?? "square_hd",
        num_images: interaction.options.getInteger("count") ?? 1,
      },
    });
    const files = await Promise.all(
      data.images.map(async (image, index) => new AttachmentBuilder(Buffer.from(await (await fetch(image.url)).arrayBuffer()), { name: `image-${index + 1}.png` })),
    );
    await interaction.editReply({ content: prompt, files });
    log("job delivered");
  } catch (error) {
    log("job failed", { error: error instanceof Error ? error.message : String(error) });
    await interaction.editReply("Something went wrong.").catch(() => undefined);
  }
});
client.once("clientReady", () => log("ready"));
await client.login(DISCORD_TOKEN);
