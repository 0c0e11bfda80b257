import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defaultConfig, KernelForgeError } from "@kernelforge/core";
import type { CliContext } from "../cli-context.js";
import { type OutputMode, present, writeJson } from "../output/present.js";
import { InitScreen } from "../ui/init-screen.js";
import { configTemplate } from "./config-template.js";

export async function initCommand(
  context: CliContext,
  mode: OutputMode,
  options: { output?: string | undefined; force?: boolean | undefined },
): Promise<number> {
  const file = path.resolve(context.cwd, options.output ?? "kforge.config.ts");
  const exists = existsSync(file);
  if (exists && !options.force) {
    throw new KernelForgeError("file_exists", `${file} already exists; nothing was written`, {
      hint: "Pass --force to overwrite it, or --output to write somewhere else.",
    });
  }
  writeFileSync(file, configTemplate(defaultConfig()));
  if (mode === "json") writeJson(context, { written: file, overwritten: exists });
  else await present(<InitScreen file={file} overwritten={exists} />, context, mode);
  return 0;
}
