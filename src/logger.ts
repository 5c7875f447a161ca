import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stdout. The secrets are redacted wherever they could appear
 * as a field, and also censored from any string, since an error message from a
 * library may quote a header or URL.
 */
export function createLogger(level: string, secrets: readonly string[], destination?: pino.DestinationStream): Logger {
  const hidden = secrets.filter((secret) => secret.length >= 6);
  const scrub = (text: string) => hidden.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
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
        // Scrub secrets from the formatted line as a last line of defence.
        streamWrite: (line) => scrub(line),
      },
    },
    destination,
  );
}
