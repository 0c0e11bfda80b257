import { KernelForgeError } from "@kernelforge/core";

/** A command line that cannot be understood. The CLI prints it with the usage hint and exits with status 2. */
export class UsageError extends KernelForgeError {
  constructor(message: string, hint = "Run `kforge --help` for the commands and their flags.") {
    super("usage", message, { hint });
  }
}
