import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIComponentInMessageActionRow, type APISelectMenuOption } from "discord.js";
import type { Job } from "../domain/job.js";
import { sceneActionsFor, type SceneAction } from "../domain/scene-controls.js";
import { sceneButtonId, scenePickId, scenePickValue } from "./scene-control-ids.js";

export type ControlRow = APIActionRowComponent<APIComponentInMessageActionRow>;

/** Discord's limits for a message's components: rows, buttons in a row, options in a select. */
export const MAX_ROWS = 5;
export const MAX_BUTTONS_PER_ROW = 5;
export const MAX_SELECT_OPTIONS = 25;

const LOOK: Record<SceneAction, { label: string; emoji: string }> = {
  upscale: { label: "Upscale", emoji: "🔍" },
  remix: { label: "Remix", emoji: "🔀" },
  edit: { label: "Edit", emoji: "✏️" },
};

/**
 * The Upscale / Remix / Edit controls for the images one message of a result holds (0-based
 * indexes into the job's result): a result split over several messages carries, on each, the
 * controls of its own images, so every image's are next to it. A result of one image gets a
 * button per control; one of several a single select ("Upscale image 2", …), since buttons for
 * 8 images would not fit Discord's 5 rows of 5. At most one row, beside the result's own row.
 */
export function sceneControlRows(job: Job, images: readonly number[], totalImages: number): ControlRow[] {
  const actions = sceneActionsFor(job.settings);
  if (actions.length === 0 || images.length === 0) return [];
  const [only] = images;
  if (totalImages === 1 && only !== undefined) {
    return [
      {
        type: ComponentType.ActionRow,
        components: actions.map((action) => ({
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: LOOK[action].label,
          emoji: { name: LOOK[action].emoji },
          custom_id: sceneButtonId({ action, jobId: job.id, image: only }),
        })),
      },
    ];
  }
  const options: APISelectMenuOption[] = [...images]
    .sort((a, b) => a - b)
    .flatMap((image) => actions.map((action) => ({ label: `${LOOK[action].label} image ${image + 1}`, value: scenePickValue(action, image), emoji: { name: LOOK[action].emoji } })))
    .slice(0, MAX_SELECT_OPTIONS); // 3 controls × fal's 8 images at most = 24: never cut in practice
  return [
    {
      type: ComponentType.ActionRow,
      components: [{ type: ComponentType.StringSelect, custom_id: scenePickId(job.id), placeholder: "Upscale, remix or edit an image…", options }],
    },
  ];
}
