/**
 * Base class of every error KernelForge raises on purpose. `code` is stable and machine-readable; `hint`
 * says what the user can do about it. Front ends print `message` and `hint`; scripts read `code`.
 */
export class KernelForgeError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Turns anything thrown into a one-line description, for messages that wrap another error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
