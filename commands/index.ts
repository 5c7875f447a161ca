import type { Command, MessageCommand } from "../src/discord/command.js";
import { character } from "./character.js";
import { edit } from "./edit.js";
import { help } from "./help.js";
import { imagine } from "./imagine.js";
import { remix } from "./remix.js";
import { remixMenu } from "./remix-menu.js";
import { saveAsCharacterMenu } from "./save-as-character-menu.js";
import { useAsReference } from "./use-as-reference.js";
import { settings } from "./settings.js";
import { status } from "./status.js";
import { story } from "./story.js";
import { upscale } from "./upscale.js";
import { usage } from "./usage.js";

/** Every slash command; registration and routing both read this list. */
export const commands: readonly Command[] = [imagine, edit, remix, upscale, character, story, settings, usage, help, status];

/** Every entry of a message's Apps menu (message commands); registered with the slash commands. */
export const messageCommands: readonly MessageCommand[] = [useAsReference, saveAsCharacterMenu, remixMenu];
