import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from "discord.js";
import type { AppContext } from "../app-context.js";
import type { CommandScope } from "./install-scopes.js";

/** One slash command: its definition as sent to Discord, and its handlers. */
export interface Command {
  readonly definition: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Where it is offered; registration turns this into `integration_types` and `contexts`. */
  readonly scope: CommandScope;
  execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
}

/** One entry of a message's Apps menu (a message command, type 3): its definition and handler. */
export interface MessageCommand {
  readonly definition: RESTPostAPIContextMenuApplicationCommandsJSONBody;
  /** Where it is offered; registration turns this into `integration_types` and `contexts`. */
  readonly scope: CommandScope;
  execute(interaction: MessageContextMenuCommandInteraction, ctx: AppContext): Promise<void>;
}
