import { readFileSync } from "node:fs";
import { KernelForgeError, type LaunchSpecification } from "@kernelforge/core";

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
