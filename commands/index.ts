import type { Command } from "../src/discord/command.js";
import { character } from "./character.js";
import { help } from "./help.js";
import { imagine } from "./imagine.js";
import { status } from "./status.js";

/** Every slash command; registration and routing both read this list. */
export const commands: readonly Command[] = [imagine, character, help, status];
