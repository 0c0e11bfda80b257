import type { BaselineName } from "@kernelforge/core";

/** Short names of the baselines for narrow table headers. */
export const BASELINE_LABELS: Record<BaselineName, string> = {
  cublas: "cuBLAS",
  "cublaslt-heuristic": "Lt-heuristic",
  "cublaslt-autotuned": "Lt-autotuned",
};

// ESC-introduced sequences (CSI, OSC, single-character escapes) and other C0/C1 control characters except \n and \t.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from outside (compiler logs, model output, failure reasons) made safe to print in a terminal: escape
 * sequences and control characters removed, tabs expanded, carriage returns dropped. Newlines are kept.
 */
export function sanitizeText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(ESCAPE_SEQUENCE, "")
    .replace(/\t/g, "  ")
    .replace(CONTROL_CHARACTER, "");
}

/** One line of at most `width` characters: whitespace runs collapsed, an ellipsis where cut. */
export function shorten(text: string, width: number): string {
  const flat = sanitizeText(text).replace(/\s+/g, " ").trim();
  if (width <= 0) return "";
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

/** Pads or cuts text to exactly `width` characters (cut with an ellipsis). */
export function fit(text: string, width: number, align: "left" | "right" = "left"): string {
  const cut = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  return align === "left" ? cut.padEnd(width) : cut.padStart(width);
}

/** `1.083×`, or `—` when there is no value. */
export function formatSpeedup(value: number | undefined, digits = 3): string {
  return value === undefined || !Number.isFinite(value) ? "—" : `${value.toFixed(digits)}×`;
}

/** A fixed-width bar of full and light blocks, e.g. `██████░░░░` for 0.6 at width 10. */
export function progressBar(fraction: number, width: number): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.round(clamped * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
  const head = "█".repeat(full) + (full < width ? (partials[partial] ?? "") : "");
  return head + "░".repeat(Math.max(0, width - head.length));
}

/** Whole percent, e.g. `48%`. */
export function percent(fraction: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * 100)}%`;
}

const SPARKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/** A sparkline of the values scaled between their minimum and maximum (`▄` for each value when all are equal). */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return "";
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  return values
    .map((value) => {
      if (!Number.isFinite(value)) return " ";
      if (high === low) return "▄";
      const level = Math.round(((value - low) / (high - low)) * (SPARKS.length - 1));
      return SPARKS[level] ?? "▄";
    })
    .join("");
}

/** `4m05s`, `1h02m`, `12s`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** The parts of a task key shown in tables: `4096x4096x4096`, `nn`, `sm90`; the raw key when it is not one. */
export function taskParts(key: string): { shape: string; layout: string; arch: string } {
  const match = /^hgemm\.[a-z0-9]+\.([a-z]+)\.(\d+x\d+x\d+)\.(sm\d+a?)$/.exec(key);
  if (!match) return { shape: key, layout: "", arch: "" };
  return { shape: match[2] as string, layout: match[1] as string, arch: match[3] as string };
}

/** `4096x4096x4096 nn`. */
export function taskLabel(key: string): string {
  const parts = taskParts(key);
  return parts.layout ? `${parts.shape} ${parts.layout}` : parts.shape;
}

/** An ISO time as `YYYY-MM-DD HH:MM` (as written, no time-zone conversion). */
export function formatTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** `1 task`, `2 tasks`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
