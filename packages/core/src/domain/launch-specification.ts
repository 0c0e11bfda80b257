import type { z } from "zod";
import { KernelForgeError } from "../errors/kernelforge-error.js";
import { type LaunchDescriptor, launchDescriptorSchema } from "./launch-descriptor.js";
import { evaluateLaunchExpression, type ShapeVariables } from "./launch-expression.js";

/**
 * A launch as a person or a model writes it for any shape: every dimension and size may be an integer or an
 * expression of M, N and K (see evaluateLaunchExpression). `resolveLaunch` makes it concrete for one shape.
 */
export interface LaunchSpecification {
  entry?: string;
  grid: (number | string)[];
  block: (number | string)[];
  dynamicSharedBytes?: number | string;
  cluster?: (number | string)[] | null;
  workspaceBytes?: number | string;
  zeroWorkspace?: boolean;
}

/** One problem of a launch (specification or descriptor) as a short phrase naming the field. */
export function describeLaunchIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join(".") : "launch";
  if (issue.code === "unrecognized_keys") return `unknown field(s) ${issue.keys.join(", ")}`;
  return `${where}: ${issue.message}`;
}

const invalid = (message: string) =>
  new KernelForgeError("invalid_launch", message, {
    hint: 'Dimensions and sizes are integers or expressions of M, N and K, e.g. {"grid": ["cdiv(N,128)", "cdiv(M,128)", 1], "block": [256, 1, 1], "dynamicSharedBytes": 49152}.',
  });

/**
 * Evaluates a launch specification for one shape and validates it against the launch descriptor schema.
 * Throws a KernelForgeError `invalid_launch` whose message names the field (`grid[0]: …`) or every schema
 * problem.
 */
export function resolveLaunch(specification: LaunchSpecification, shape: ShapeVariables): LaunchDescriptor {
  const value = (entry: number | string, where: string): number => {
    if (typeof entry === "number") return entry;
    try {
      return evaluateLaunchExpression(entry, shape);
    } catch (error) {
      throw invalid(`${where}: ${(error as Error).message}`);
    }
  };
  const dims = (entries: (number | string)[], what: string) => {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 3) {
      throw invalid(`launch ${what} must be a list of 1 to 3 dimensions`);
    }
    const values = entries.map((entry, index) => value(entry, `${what}[${index}]`));
    while (values.length < 3) values.push(1);
    return values;
  };
  const parsed = launchDescriptorSchema.safeParse({
    grid: dims(specification.grid, "grid"),
    block: dims(specification.block, "block"),
    dynamicSharedBytes:
      specification.dynamicSharedBytes === undefined
        ? 0
        : value(specification.dynamicSharedBytes, "dynamicSharedBytes"),
    ...(specification.cluster ? { cluster: dims(specification.cluster, "cluster") } : {}),
    workspaceBytes:
      specification.workspaceBytes === undefined ? 0 : value(specification.workspaceBytes, "workspaceBytes"),
    zeroWorkspace: specification.zeroWorkspace ?? false,
  });
  if (!parsed.success) throw invalid(parsed.error.issues.map(describeLaunchIssue).join("; "));
  return parsed.data;
}
