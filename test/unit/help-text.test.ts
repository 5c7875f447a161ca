import { describe, expect, it } from "vitest";
import { helpMessage } from "../../commands/help.js";
import { MAX_PRICE_USD, parseConfig } from "../../src/config.js";

/** /help's reply for an environment, as the bot builds it from the parsed configuration. */
function helpFor(env: Record<string, string>) {
  const parsed = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return helpMessage(parsed.config.prices, parsed.config.confirmCostAboveUsd);
}

/** The price table's row for a kind: its cells after the label. */
function row(description: string, label: string): string[] {
  const line = description.split("\n").find((l) => l.startsWith(`${label} `));
  if (!line) throw new Error(`no ${label} row in:\n${description}`);
  return line.slice(label.length).trim().split(/\s+/);
}

const DISTINCT = {
  PRICE_TURBO_USD: "0.11", PRICE_BALANCED_USD: "0.12", PRICE_QUALITY_USD: "0.13",
  PRICE_EDIT_TURBO_USD: "0.21", PRICE_EDIT_BALANCED_USD: "0.22", PRICE_EDIT_QUALITY_USD: "0.23",
  PRICE_REMIX_TURBO_USD: "0.31", PRICE_REMIX_BALANCED_USD: "0.32", PRICE_REMIX_QUALITY_USD: "0.33",
  PRICE_UPSCALE_USD: "0.04",
};

describe("/help", () => {
  it("when every price is configured, then each endpoint's row shows its own price per speed, and two characters the scene plus the edit", () => {
    const prices = helpFor(DISTINCT).embeds[0]!.description;
    expect(row(prices, "Per image")).toEqual(["Turbo", "Balanced", "Quality"]);
    expect(row(prices, "/imagine")).toEqual(["$0.11", "$0.12", "$0.13"]);
    expect(row(prices, "/edit")).toEqual(["$0.21", "$0.22", "$0.23"]);
    expect(row(prices, "/remix")).toEqual(["$0.31", "$0.32", "$0.33"]);
    expect(row(prices, "Two characters")).toEqual(["$0.32", "$0.34", "$0.36"]);
    expect(row(prices, "Upscale")).toEqual(["$0.04", "(one", "price,", "any", "speed)"]);
  });

  it("when the configuration changes, then the prices and the confirmation threshold shown change with it", () => {
    const defaults = helpFor({}).embeds[0]!.description;
    expect(row(defaults, "/imagine")).toEqual(["$0.10", "$0.15", "$0.20"]);
    expect(row(defaults, "Two characters")).toEqual(["$0.20", "$0.30", "$0.40"]);
    expect(row(defaults, "Upscale")[0]).toBe("$0.06");
    expect(defaults).toContain("Anything over $0.50 asks you to confirm the price first");

    const changed = helpFor({ PRICE_QUALITY_USD: "0.25", PRICE_EDIT_QUALITY_USD: "0.5", PRICE_UPSCALE_USD: "0.005", CONFIRM_COST_ABOVE_USD: "2" }).embeds[0]!.description;
    expect(row(changed, "/imagine")).toEqual(["$0.10", "$0.15", "$0.25"]);
    expect(row(changed, "/edit")).toEqual(["$0.10", "$0.15", "$0.50"]);
    expect(row(changed, "Two characters")).toEqual(["$0.20", "$0.30", "$0.75"]);
    expect(row(changed, "Upscale")[0]).toBe("$0.005");
    expect(changed).toContain("Anything over $2.00 asks you to confirm");

    expect(helpFor({ CONFIRM_COST_ABOVE_USD: "off" }).embeds[0]!.description).not.toMatch(/confirm/);
  });

  it("when every price is at its largest, then the text fits one message and the prices one embed", () => {
    const largest = Object.fromEntries(Object.keys(DISTINCT).map((name) => [name, String(MAX_PRICE_USD)]));
    const message = helpFor({ ...largest, CONFIRM_COST_ABOVE_USD: "99999.99" });
    expect(message.content.length).toBeLessThanOrEqual(2000); // Discord's message content limit
    const embed = message.embeds[0]!;
    expect(embed.description.length).toBeLessThanOrEqual(4096); // an embed description's limit
    expect(embed.title.length + embed.description.length).toBeLessThanOrEqual(6000); // all embeds of a message together
    expect(row(embed.description, "Two characters")).toEqual(["$200.00", "$200.00", "$200.00"]);
    // Every row of the table lines up: the columns are as wide as the widest price.
    const table = embed.description.split("```")[1]!.trim().split("\n").slice(0, 5);
    expect(new Set(table.map((line) => line.length)).size).toBe(1);
  });

  it("describes the commands that edit, remix and upscale, the result buttons and two-character scenes", () => {
    const { content } = helpFor({});
    expect(content).toMatch(/`\/edit` repaints a region \(or your own mask\) of an image with your character/);
    expect(content).toMatch(/`\/remix` re-imagines an image with your character \(`strength` 0\.01–1/);
    expect(content).toMatch(/`\/upscale` enlarges an image/);
    expect(content).toMatch(/\*\*Upscale\*\*, \*\*Remix\*\*, \*\*Edit\*\*/);
    expect(content).toContain("`second_character`");
    expect(content).toMatch(/`scene` \(`with`: a second character/);
  });
  it("when the operator sets limits outside servers and a daily spending cap, then the prices say so; without a cap, no cap is mentioned", () => {
    const limitsFor = (env: Record<string, string>) => {
      const parsed = parseConfig({ DISCORD_TOKEN: "t", FAL_KEY: "k", ...env });
      if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
      return helpMessage(parsed.config.prices, parsed.config.confirmCostAboveUsd, parsed.config).embeds[0]!.description;
    };
    const capped = limitsFor({ USER_DAILY_IMAGES: "7", GLOBAL_DAILY_CAP_USD: "25" });
    expect(capped).toContain("Outside the servers that added StoryCast (DMs, your own install), you may make 7 images per UTC day.");
    expect(capped).toContain("StoryCast spends at most $25.00 per UTC day across everything.");
    const uncapped = limitsFor({});
    expect(uncapped).toContain("you may make 20 images per UTC day");
    expect(uncapped).not.toMatch(/spends at most/);
  });
});
