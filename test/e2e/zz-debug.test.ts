import { it } from "vitest";
import { makePng, sampleJpeg } from "../fakes/fal/index.js";
import { startStack } from "../support/stack.js";

it("debug", async () => {
  const stack = await startStack();
  const { discord, fal } = stack;
  const reference = makePng({ width: 64, height: 48, seed: 1, targetBytes: 6000 });
  fal.script({ queuePositions: [2, 1, 0], runMs: 400, imageBytes: 20_000 });
  const handle = discord.command("imagine", {
    prompt: "the knight", reference: discord.attachment(reference, "knight.png", { contentType: "image/png" }),
    mask: discord.attachment(makePng({ width: 64, height: 48, seed: 2, targetBytes: 3000 }), "mask.png"),
    style_reference: discord.attachment(sampleJpeg(), "style.jpg", { contentType: "image/jpeg" }),
    style: "FICTION", size: "portrait_16_9", speed: "QUALITY", count: 3, seed: 4242, negative_prompt: "hats", magic_prompt: false, palette: "#ff0000:0.8 #00ff00",
  }, { user: discord.users.alice });
  await handle.callback();
  await new Promise((r) => setTimeout(r, 4000));
  for (const r of discord.requests) console.log(r.method, r.path.slice(0, 60), r.status, JSON.stringify(r.body)?.slice(0, 300));
  console.log("VF", JSON.stringify(discord.validationFailures, null, 1).slice(0, 3000));
  console.log(stack.logs.filter((l) => /warn|error/.test(l)).slice(0, 10).join("\n"));
  await stack.stop();
});
