/**
 * Base class of every error KernelForge raises on purpose. `code` is stable and machine-readable; `hint`
 * says what the user can do about it. Front ends print `message` and `hint`; scripts read `code`.
 */
const BRAND = Symbol.for("kernelforge.error");

export class KernelForgeError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  /**
   * `instanceof` holds across copies of this module (a plugin that bundled its own core, a test runner that
   * loaded core twice): every KernelForgeError carries a brand shared through the global symbol registry, and
   * subclasses keep ordinary prototype checks.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof was asked about (maybe a subclass).
    if (this !== KernelForgeError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly [BRAND] = true;

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
