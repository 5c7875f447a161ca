import { describe, expect, it } from "vitest";
import { OpenApiValidator } from "../../../fakes/discord/openapi-validator.js";

const CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback";
const v = OpenApiValidator.load();

describe("OpenAPI request validation", () => {
  it("matches concrete paths to templates, preferring literal segments", () => {
    expect(v.matchPath("/webhooks/1/tok/messages/@original")?.template).toBe("/webhooks/{webhook_id}/{webhook_token}/messages/@original");
    expect(v.matchPath("/webhooks/1/tok/messages/2")?.template).toBe("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}");
    expect(v.matchPath("/users/@me")?.template).toBe("/users/@me");
    expect(v.matchPath("/nope")).toBeUndefined();
  });

  it("accepts what discord.js sends (nullable fields, flags, enforce_nonce, string permissions)", () => {
    expect(v.validateRequest("POST", CALLBACK, { type: 5, data: { flags: 64 } }).ok).toBe(true);
    expect(v.validateRequest("POST", CALLBACK, { type: 6 }).ok).toBe(true);
    expect(v.validateRequest("POST", CALLBACK, { type: 8, data: { choices: [{ name: "a", value: "a" }] } }).ok).toBe(true);
    expect(
      v.validateRequest("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", {
        content: null,
        embeds: null,
        tts: false,
        enforce_nonce: false,
        attachments: [{ id: "0" }],
      }).ok,
    ).toBe(true);
    const cmd = { name: "cast", description: "d", default_member_permissions: "8192", options: [{ type: 3, name: "p", description: "d" }] };
    expect(v.validateRequest("PUT", "/applications/{application_id}/commands", [cmd]).ok).toBe(true);
    expect(v.validateRequest("PUT", "/applications/{application_id}/commands", [{ ...cmd, default_member_permissions: "lots" }]).ok).toBe(false);
  });

  it("reports errors from the chosen union branch only, in Discord's format", () => {
    const r = v.validateRequest("POST", CALLBACK, { type: 4, data: { content: "x".repeat(2001) } });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual({ data: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } } });

    const bad = v.validateRequest("POST", CALLBACK, { type: 99 });
    expect(bad.errors).toEqual({ type: { _errors: [{ code: "BASE_TYPE_CHOICES", message: expect.stringContaining("Value must be one of") }] } });

    const button = { type: 2, style: 1, label: "x", custom_id: "c".repeat(101) };
    const r2 = v.validateRequest("POST", "/channels/{channel_id}/messages", { components: [{ type: 1, components: [button] }] });
    expect(r2.errors).toEqual({
      components: { "0": { components: { "0": { custom_id: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 100 or fewer in length." }] } } } } },
    });

    const r3 = v.validateRequest("POST", "/channels/{channel_id}/messages", { embeds: [{ title: 5, url: "not a url" }] });
    expect(r3.errors).toMatchObject({
      embeds: { "0": { title: { _errors: [{ code: "BASE_TYPE_STRING" }] }, url: { _errors: [{ code: "URL_TYPE_INVALID_URL" }] } } },
    });
  });
});
