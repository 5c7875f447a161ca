/**
 * A problem the user can fix or must be told about (bad input, a refusal by fal, an
 * outage). Its message is shown to the user as is, so it never carries a stack trace,
 * a secret or an internal detail. Anything that is not a UserFacingError is a bug:
 * it is logged with the job id and the user sees a short apology with that id.
 */
export class UserFacingError extends Error {
  override readonly name = "UserFacingError";
  constructor(message: string) {
    super(message);
  }
}
