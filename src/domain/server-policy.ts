import { UserFacingError } from "./errors.js";
import type { ImageSize, Speed, Style } from "./fal-enums.js";
import { SPEEDS, humanName } from "./fal-enums.js";
import { formatDollars } from "./pricing.js";

/** What a server's admins decided (/settings). Everything is optional: unset means no rule. */
export interface ServerSettings {
  defaultStyle?: Style;
  defaultSize?: ImageSize;
  defaultSpeed?: Speed;
  defaultCount?: number;
  maxCount?: number;
  maxSpeed?: Speed;
  /** Channels where the bot may generate; empty or unset means everywhere. */
  allowedChannels?: string[];
  requiredRoleId?: string;
  dailyImageLimit?: number;
  monthlySpendCapUsd?: number;
  /** Whether a saved character's description is put in front of the prompt (default on). */
  characterDescriptions?: boolean;
}

/** One generation about to be paid for, as the policy sees it. */
export interface GenerationRequest {
  channelId: string;
  parentChannelId?: string | null;
  memberRoleIds: readonly string[];
  /** Absent for an upscale, which has no rendering speed. */
  speed?: Speed | undefined;
  /** The images the member gets (what the daily limit counts). */
  numImages: number;
  /** What the job costs, every fal step at its endpoint's price (what the monthly cap counts). */
  costUsd: number;
}

/** What the server and the member have already used, from the job store. */
export interface UsageSoFar {
  memberImagesToday: number;
  serverSpendThisMonthUsd: number;
}

const SPEED_ORDER: readonly Speed[] = SPEEDS.map((s) => s.value);

/**
 * Checks a generation against the server's rules before anything is paid. Throws a
 * UserFacingError naming the rule and, for the budgets, when it resets.
 */
export function checkPolicy(settings: ServerSettings, request: GenerationRequest, usage: UsageSoFar, now: Date): void {
  checkRules(settings, request);
  checkUsage(settings, request, usage, now);
}

/** The rules that need no usage (channel, role, count, speed): checked before the job's transaction. */
export function checkRules(settings: ServerSettings, request: GenerationRequest): void {
  checkPlace(settings, request);
  checkGeneration(settings, request);
}

/** Where the member asks: the server's allowed channels and required role. */
export function checkPlace(settings: ServerSettings, request: Pick<GenerationRequest, "channelId" | "parentChannelId" | "memberRoleIds">): void {
  const channels = settings.allowedChannels ?? [];
  if (channels.length > 0 && !channels.includes(request.channelId) && !(request.parentChannelId && channels.includes(request.parentChannelId))) {
    throw new UserFacingError(`StoryCast isn't enabled in this channel. It works in: ${channels.map((id) => `<#${id}>`).join(", ")}.`);
  }
  if (settings.requiredRoleId && !request.memberRoleIds.includes(settings.requiredRoleId)) {
    throw new UserFacingError(`You need the <@&${settings.requiredRoleId}> role to generate images here.`);
  }
}

/** What the member asks for: the server's image count and speed limits. */
export function checkGeneration(settings: ServerSettings, request: Pick<GenerationRequest, "numImages" | "speed">): void {
  if (settings.maxCount !== undefined && request.numImages > settings.maxCount) {
    throw new UserFacingError(`This server allows at most ${settings.maxCount} image${settings.maxCount === 1 ? "" : "s"} per request; you asked for ${request.numImages}.`);
  }
  if (settings.maxSpeed && request.speed && SPEED_ORDER.indexOf(request.speed) > SPEED_ORDER.indexOf(settings.maxSpeed)) {
    throw new UserFacingError(`This server allows speeds up to ${humanName(SPEEDS, settings.maxSpeed)}; ${humanName(SPEEDS, request.speed)} is above that.`);
  }
}

/**
 * The budgets (member images today, server spend this month): checked inside the transaction
 * that writes the job, so concurrent requests cannot all pass them.
 */
export function checkUsage(settings: ServerSettings, request: Pick<GenerationRequest, "numImages" | "costUsd">, usage: UsageSoFar, now: Date): void {
  if (settings.dailyImageLimit !== undefined && usage.memberImagesToday + request.numImages > settings.dailyImageLimit) {
    const left = Math.max(0, settings.dailyImageLimit - usage.memberImagesToday);
    throw new UserFacingError(
      `Daily limit reached: members may make ${settings.dailyImageLimit} images a day here; you have made ${usage.memberImagesToday} today` +
        `${left > 0 ? ` and have ${left} left` : ""}. It resets ${describeReset(nextUtcMidnight(now), now)}.`,
    );
  }
  if (settings.monthlySpendCapUsd !== undefined) {
    const cost = request.costUsd;
    if (usage.serverSpendThisMonthUsd + cost > settings.monthlySpendCapUsd) {
      throw new UserFacingError(
        `Monthly budget reached: this server has spent ${formatDollars(usage.serverSpendThisMonthUsd)} of its ${formatDollars(settings.monthlySpendCapUsd)} this month, ` +
          `and this request would cost ${formatDollars(cost)}. It resets ${describeReset(nextUtcMonth(now), now)}.`,
      );
    }
  }
}

export function startOfUtcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

export function startOfUtcMonth(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

export function nextUtcMidnight(now: Date): number {
  return startOfUtcDay(now) + 24 * 60 * 60 * 1000;
}

function nextUtcMonth(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
}

/** "at 00:00 UTC (in 5 h 12 min)" / "on 1 December 00:00 UTC (in 6 days)". */
export function describeReset(at: number, now: Date): string {
  const minutes = Math.max(1, Math.ceil((at - now.getTime()) / 60_000));
  const wait = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.round(minutes / 1440)} days`;
  const date = new Date(at);
  const day = date.getUTCDate() === new Date(now.getTime() + 24 * 3600 * 1000).getUTCDate() && at - now.getTime() <= 24 * 3600 * 1000
    ? "at 00:00 UTC"
    : `on ${date.getUTCDate()} ${date.toLocaleString("en-GB", { month: "long", timeZone: "UTC" })} 00:00 UTC`;
  return `${day} (in ${wait})`;
}

/** Fills options the member left out with the server's defaults (style only where style codes or a style image don't exclude it). */
export function withServerDefaults<T extends { style?: Style | null; size?: ImageSize | null; speed?: Speed | null; count?: number | null; styleCodes?: string | null; styleReference?: unknown }>(
  options: T,
  settings: ServerSettings,
): T & { style: Style | null; size: ImageSize | null; speed: Speed | null; count: number | null } {
  const styleAllowed = options.styleCodes == null;
  return {
    ...options,
    style: options.style ?? (styleAllowed ? settings.defaultStyle ?? null : null),
    size: options.size ?? settings.defaultSize ?? null,
    speed: options.speed ?? settings.defaultSpeed ?? null,
    count: options.count ?? settings.defaultCount ?? null,
  };
}
