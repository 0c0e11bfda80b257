import { readFileSync } from "node:fs";
import { KernelForgeError, type LaunchDescriptor, launchDescriptorSchema } from "@kernelforge/core";
import { evaluateLaunchExpression, type ShapeVariables } from "./launch-expression.js";

/** A launch as written by a user: every dimension and size may be an expression of M, N and K. */
export interface LaunchSpecification {
  entry?: string;
  grid: (number | string)[];
  block: (number | string)[];
  dynamicSharedBytes?: number | string;
  cluster?: (number | string)[];
  workspaceBytes?: number | string;
  zeroWorkspace?: boolean;
}

const MARKER = /^\s*\/\/\s*kforge:launch\s+(\{.*\})\s*$/m;

/** Reads the `// kforge:launch {...}` line of a kernel file, if it has one. */
export function launchFromSource(source: string, file: string): LaunchSpecification | undefined {
  const match = MARKER.exec(source);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1] as string) as LaunchSpecification;
  } catch (error) {
    throw new KernelForgeError(
      "invalid_launch",
      `${file}: the kforge:launch line is not valid JSON (${(error as Error).message})`,
    );
  }
}

export function readLaunchFile(file: string): LaunchSpecification {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LaunchSpecification;
  } catch (error) {
    throw new KernelForgeError(
      "invalid_launch",
      `cannot read the launch file ${file}: ${(error as Error).message}`,
    );
  }
}

/** The only `extern "C" __global__` function of a source, when there is exactly one. */
export function soleEntry(source: string): string | undefined {
  const bounds = String.raw`(?:__launch_bounds__\s*\([^)]*\)\s*)?`;
  const pattern = new RegExp(
    String.raw`extern\s+"C"\s+__global__\s+${bounds}void\s+${bounds}(\w+)\s*\(`,
    "g",
  );
  const names = [...source.matchAll(pattern)].map((match) => match[1] as string);
  return names.length === 1 ? names[0] : undefined;
}

/** Turns a launch specification into a concrete, validated descriptor for one shape. */
export function resolveLaunch(specification: LaunchSpecification, shape: ShapeVariables): LaunchDescriptor {
  const value = (entry: number | string) =>
    typeof entry === "number" ? entry : evaluateLaunchExpression(entry, shape);
  const dim3 = (entries: (number | string)[] | undefined, what: string) => {
    if (!entries) return undefined;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 3) {
      throw new KernelForgeError("invalid_launch", `launch ${what} must be a list of 1 to 3 dimensions`);
    }
    const values = entries.map(value);
    while (values.length < 3) values.push(1);
    return values;
  };
  const parsed = launchDescriptorSchema.safeParse({
    grid: dim3(specification.grid, "grid"),
    block: dim3(specification.block, "block"),
    dynamicSharedBytes:
      specification.dynamicSharedBytes === undefined ? 0 : value(specification.dynamicSharedBytes),
    ...(specification.cluster ? { cluster: dim3(specification.cluster, "cluster") } : {}),
    workspaceBytes: specification.workspaceBytes === undefined ? 0 : value(specification.workspaceBytes),
    zeroWorkspace: specification.zeroWorkspace ?? false,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KernelForgeError(
      "invalid_launch",
      `launch ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
      {
        hint: 'Example: // kforge:launch {"grid": ["cdiv(N,128)", "cdiv(M,128)", 1], "block": [256, 1, 1], "dynamicSharedBytes": 49152}',
      },
    );
  }
  return parsed.data;
}
