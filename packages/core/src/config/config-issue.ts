import { KernelForgeError } from "../errors/kernelforge-error.js";
import { maskUrlCredentials } from "../text/mask-url-credentials.js";

/** One problem found in a configuration: where (a path such as `plugins[1].options.limit`), what, and the bad value. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** The offending value as written, abbreviated; absent when the key is missing. */
  received?: string;
}

/** A configuration that failed validation. The message lists every issue, one per line. */
export class ConfigError extends KernelForgeError {
  readonly issues: ConfigIssue[];
  readonly source: string;

  constructor(source: string, issues: ConfigIssue[], options: { hint?: string; cause?: unknown } = {}) {
    const lines = issues.map(
      (issue) =>
        `  - ${issue.path || "(root)"}: ${issue.message}${issue.received === undefined ? "" : `; got ${issue.received}`}`,
    );
    super("invalid_config", `Invalid configuration in ${source}:\n${lines.join("\n")}`, {
      hint:
        options.hint ??
        "Fix the keys listed above; `kforge init` writes a commented example with every default.",
      cause: options.cause,
    });
    this.issues = issues;
    this.source = source;
  }
}

/** Formats a path of keys and indices as `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** Joins a prefix such as `plugins[0].options` with a relative path. */
export function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Reads the value at a path inside a plain object, or undefined. */
export function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** A short, safe rendering of a value for an error message (the password of any URL in it replaced by ***). */
export function previewValue(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  text = maskUrlCredentials(text);
  const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  const shortened = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${shortened} (${kind})`;
}
