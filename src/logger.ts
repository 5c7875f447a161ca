import pino, { type Logger } from "pino";
import { createRedactor } from "./util/redact.js";

export type { Logger };

/**
 * Structured JSON logs on stdout. Every line is passed through the redactor as it is
 * written, whatever field (or nested field, or message, or stack) a secret hides in:
 * DISCORD_TOKEN and FAL_KEY by value, interaction tokens by shape (see util/redact.ts).
 * Errors from discord.js carry the webhook URL, and a library's message may quote a header.
 */
export function createLogger(level: string, secrets: readonly string[], destination?: pino.DestinationStream): Logger {
  const redact = createRedactor(secrets);
  return pino(
    {
      level,
      base: { app: "storycast" },
      redact: {
        paths: ["token", "*.token", "authorization", "*.authorization", "headers.authorization", "*.headers.authorization"],
        censor: "[redacted]",
      },
      serializers: {
        // discord.js errors carry the whole request body (files included): keep the error, drop the payload.
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
          delete serialized.requestBody;
          return serialized;
        },
      },
      hooks: {
        // The formatted line is the last place every string passes through: redact there.
        streamWrite: (line) => redact(line),
      },
    },
    destination,
  );
}

