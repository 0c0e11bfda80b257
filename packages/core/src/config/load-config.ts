import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createJiti } from "jiti";
import { describeError } from "../errors/kernelforge-error.js";
import { ConfigError } from "./config-issue.js";
import { configSchema, type KernelForgeConfig } from "./config-schema.js";
import { validateWithSchema } from "./validate-with-schema.js";

/** File names looked for, in order, in the working directory. */
export const CONFIG_FILE_NAMES = [
  "kforge.config.ts",
  "kforge.config.mts",
  "kforge.config.js",
  "kforge.config.mjs",
  "kforge.config.json",
] as const;

export interface LoadedConfig {
  config: KernelForgeConfig;
  /** The file the config came from, or `embedded defaults`. */
  source: string;
  /** Directory relative paths in the config are resolved against. */
  directory: string;
}

export interface LoadConfigOptions {
  /** Directory searched for a config file. Default: the process's working directory. */
  cwd?: string;
  /** An explicit config file; it must exist. */
  configPath?: string;
}

/**
 * Finds, reads and validates the configuration. With no file, returns the embedded defaults. Throws a
 * ConfigError naming the file and every bad key when the file cannot be read, evaluated or validated.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  let file: string | undefined;
  if (options.configPath) {
    file = path.resolve(cwd, options.configPath);
    if (!existsSync(file)) {
      throw new ConfigError(file, [{ path: "", message: "the config file does not exist" }], {
        hint: "Check the --config path, or run `kforge init` to write one.",
      });
    }
  } else {
    file = CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find((candidate) => existsSync(candidate));
  }
  if (!file) {
    const validation = await validateWithSchema(configSchema, {});
    if (!validation.success) throw new ConfigError("embedded defaults", validation.issues);
    return { config: validation.value, source: "embedded defaults", directory: cwd };
  }
  const raw = await readConfigFile(file);
  const validation = await validateWithSchema(configSchema, raw);
  if (!validation.success) throw new ConfigError(file, validation.issues);
  return { config: validation.value, source: file, directory: path.dirname(file) };
}

async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith(".json")) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(file, [{ path: "", message: `cannot be read: ${describeError(error)}` }]);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ConfigError(file, [{ path: "", message: `is not valid JSON: ${describeError(error)}` }]);
    }
  }
  const jiti = createJiti(import.meta.url, {
    moduleCache: false,
    fsCache: false,
    alias: { "@kernelforge/core": ownEntryPoint() },
  });
  let exported: unknown;
  try {
    exported = await jiti.import(file, { default: true });
  } catch (error) {
    throw new ConfigError(file, [{ path: "", message: `failed to evaluate: ${describeError(error)}` }], {
      hint: "The config file threw or has a syntax error; fix it, or start again from `kforge init`.",
      cause: error,
    });
  }
  if (exported === undefined || exported === null || typeof exported !== "object") {
    throw new ConfigError(file, [
      {
        path: "",
        message: "has no default export object",
        received: exported === undefined ? undefined : typeof exported,
      },
    ]);
  }
  return exported;
}

/**
 * The module a config's `import ... from "@kernelforge/core"` is pointed at, so that a config works even when
 * the project around it has not installed core itself (a globally installed `kforge`).
 */
function ownEntryPoint(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    path.join(here, "index.js"),
    path.join(here, "..", "index.ts"),
    path.join(here, "index.ts"),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return "@kernelforge/core";
}
