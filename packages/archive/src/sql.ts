import { KernelForgeError } from "@kernelforge/core";

/**
 * Identifiers the archive filters on (run ids, task keys, candidate ids): a letter or digit, then letters,
 * digits and `_ . : @ + -`, at most 256 characters. Task keys (`hgemm.f16f32.nn.4096x4096x4096.sm90`),
 * content hashes and timestamp-based run ids all fit.
 */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,255}$/;

/** Throws a KernelForgeError unless `value` is an identifier the archive accepts. */
export function assertId(kind: string, value: unknown): asserts value is string {
  if (typeof value === "string" && ID_PATTERN.test(value)) return;
  throw new KernelForgeError("archive_invalid_id", `Not a valid ${kind}: ${JSON.stringify(value)}`, {
    hint: `A ${kind} starts with a letter or digit and holds only letters, digits and _ . : @ + - (256 characters at most).`,
  });
}

/** Throws a KernelForgeError unless `value` is an integer in [minimum, 2³¹ − 1] (the archive stores Int32). */
export function assertInt32(kind: string, value: unknown, minimum = 0): asserts value is number {
  if (Number.isInteger(value) && (value as number) >= minimum && (value as number) <= 0x7fffffff) return;
  throw new KernelForgeError("archive_invalid_record", `Not a valid ${kind}: ${String(value)}`, {
    hint: `A ${kind} is an integer from ${minimum} to 2147483647.`,
  });
}

/** A SQL string literal: single quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A column reference, quoted so that its case is kept. */
export function column(name: string): string {
  return `\`${name}\``;
}

/** `column = 'value'`, with the value validated as an identifier first. */
export function equalsId(name: string, kind: string, value: unknown): string {
  assertId(kind, value);
  return `${column(name)} = ${sqlString(value)}`;
}
