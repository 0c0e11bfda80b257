import path from "node:path";

/** A path with `/` separators. */
export function toPosix(value: string): string {
  return path.sep === "/" ? value : value.split(path.sep).join("/");
}

/**
 * How a file is named in the index (a chunk's `source`): its path relative to `cwd` with `/` separators when
 * it lies under `cwd`, else its absolute path (also with `/`).
 */
export function sourceOf(absolute: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, absolute);
  if (relative !== "" && relative.split(path.sep)[0] !== ".." && !path.isAbsolute(relative))
    return toPosix(relative);
  return toPosix(absolute);
}

/**
 * A source filter prefix in the form sources are stored in: resolved against `cwd` and named as `sourceOf`
 * would (`./datasets/cuda-docs/` → `datasets/cuda-docs/`; a trailing separator is kept). The working
 * directory itself becomes the empty prefix (everything). A URI (`scheme://…`) is kept as it is.
 */
export function sourcePrefix(prefix: string, cwd: string = process.cwd()): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(prefix)) return prefix;
  const absolute = path.resolve(cwd, prefix);
  if (absolute === path.resolve(cwd)) return "";
  const source = sourceOf(absolute, cwd);
  return /[\\/]$/.test(prefix) ? `${source}/` : source;
}
