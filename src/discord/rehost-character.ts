import type { AppContext } from "../app-context.js";
import { UserFacingError } from "../domain/errors.js";
import type { Character, StoredImage } from "../store/character-store.js";

/**
 * A saved character whose fal URLs serve their files, ready for a job: fal deletes files when
 * their lifetime ends (README "File lifetimes"), so each URL is checked first and an expired
 * one is hosted again from the copy kept in the database, and the row updated. The member
 * notices nothing. A character saved before copies were kept cannot be restored: the member
 * is told before anything reaches fal's queue.
 */
export async function withLiveFiles(ctx: AppContext, character: Character): Promise<Character> {
  const [referenceCheck, maskCheck] = await Promise.all([
    ctx.fal.resolves(character.referenceUrl),
    character.maskUrl ? ctx.fal.resolves(character.maskUrl) : ("live" as const),
  ]);
  // "unknown" (the CDN did not answer clearly) goes on with the saved URL: fal reads it itself, and says so if it cannot.
  if (referenceCheck !== "gone" && maskCheck !== "gone") return character;

  const stored = await ctx.characters.storedImages(character.id);
  const lost = (referenceCheck === "gone" && !stored.reference) || (maskCheck === "gone" && !stored.mask);
  const log = ctx.logger.child({ characterId: character.id, scope: character.scope });
  if (lost) {
    log.warn({ referenceCheck, maskCheck }, "saved character's files expired on fal and no copy is kept");
    throw new UserFacingError(
      `The images of **${character.name}** are no longer on fal (fal deletes files after a while), and this character was saved ` +
        "before StoryCast kept its own copy, so it cannot be restored. Save it again with `/character save` and the same reference image.",
    );
  }
  const rehost = (image: StoredImage, name: string) =>
    ctx.fal.upload(image.bytes, image.contentType, name, "saved-character").catch((error: unknown) => {
      log.warn({ err: error }, "re-hosting a saved character on fal failed");
      throw new UserFacingError(`The images of **${character.name}** had to be stored on fal again, and fal did not take them right now. Please try again in a few minutes.`);
    });
  const [referenceUrl, maskUrl] = await Promise.all([
    referenceCheck === "gone" && stored.reference ? rehost(stored.reference, "reference") : undefined,
    maskCheck === "gone" && stored.mask ? rehost(stored.mask, "mask") : undefined,
  ]);
  log.info({ reference: referenceUrl !== undefined, mask: maskUrl !== undefined }, "saved character's expired files hosted again on fal");
  return ctx.characters.rehosted(character.id, { ...(referenceUrl ? { referenceUrl } : {}), ...(maskUrl ? { maskUrl } : {}) });
}
