import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type ConfigIssue, formatPath, previewValue, valueAtPath } from "./config-issue.js";

/** Any schema that implements the Standard Schema interface (zod 4 schemas do). */
export type AnySchema<Output = unknown> = StandardSchemaV1<unknown, Output>;

export type SchemaValidation<Output> =
  | { success: true; value: Output }
  | { success: false; issues: ConfigIssue[] };

/**
 * Validates a value with any Standard Schema (zod 4, valibot, arktype...) and turns its issues into
 * ConfigIssues naming the path, the problem and the value that was given. Paths are relative to `value`.
 */
export async function validateWithSchema<Output>(
  schema: AnySchema<Output>,
  value: unknown,
): Promise<SchemaValidation<Output>> {
  const result = await schema["~standard"].validate(value);
  if (!result.issues) return { success: true, value: result.value };
  const issues = result.issues.map((issue): ConfigIssue => {
    const path = (issue.path ?? []).map((segment) =>
      typeof segment === "object" && segment !== null ? segment.key : segment,
    );
    const received = valueAtPath(value, path);
    const isMissing = received === undefined;
    return {
      path: formatPath(path),
      message: describeIssue(issue.message, schema, path),
      ...(isMissing ? {} : { received: previewValue(received) }),
    };
  });
  return { success: false, issues };
}

/** Makes zod's terse messages friendlier; lists the valid keys for an unknown key when the schema knows them. */
function describeIssue(message: string, schema: unknown, path: readonly PropertyKey[]): string {
  const unknownKey = /^Unrecognized keys?: (.*)$/.exec(message);
  if (unknownKey) {
    const keys = objectKeysAt(schema, path);
    const valid = keys ? `; valid keys here: ${keys.join(", ")}` : "";
    return `unknown key ${unknownKey[1]}${valid}`;
  }
  return message.replace(/^Invalid input: /, "").replace(/^Invalid option: /, "");
}

interface ZodLike {
  _zod?: { def?: { type?: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown } };
}

/** Walks a zod object schema along a path and returns the keys it declares there, if it can. */
function objectKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = (current as ZodLike | undefined)?._zod?.def;
    if (def?.type === "object" && def.shape && typeof segment === "string")
      current = unwrap(def.shape[segment]);
    else if (def?.type === "array" && typeof segment === "number") current = unwrap(def.element);
    else return undefined;
  }
  const def = (current as ZodLike | undefined)?._zod?.def;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = (current as ZodLike | undefined)?._zod?.def;
    if (
      def &&
      (def.type === "default" ||
        def.type === "optional" ||
        def.type === "prefault" ||
        def.type === "nullable")
    ) {
      current = def.innerType;
    } else break;
  }
  return current;
}
