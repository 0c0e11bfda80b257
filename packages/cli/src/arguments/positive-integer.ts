import { KernelForgeError } from "@kernelforge/core";

/** A flag's value as a positive integer, or a usage error naming the flag and what was given. */
export function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new KernelForgeError("usage", `${flag} must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return value;
}
