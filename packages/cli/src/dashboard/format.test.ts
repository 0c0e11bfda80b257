import { describe, expect, it } from "vitest";
import {
  fit,
  formatDuration,
  formatSpeedup,
  percent,
  progressBar,
  sanitizeText,
  shorten,
  sparkline,
  taskLabel,
  taskParts,
} from "./format.js";

describe("dashboard text", () => {
  it("draws progress bars of a fixed width with eighth blocks", () => {
    expect(progressBar(0, 10)).toBe("░░░░░░░░░░");
    expect(progressBar(0.5, 10)).toBe("█████░░░░░");
    expect(progressBar(0.875, 8)).toBe("███████░");
    expect(progressBar(0.55, 10)).toBe("█████▌░░░░");
    expect(progressBar(1, 10)).toBe("██████████");
    expect(progressBar(3, 4)).toBe("████");
    expect(percent(0.4375)).toBe("43%");
    expect(percent(1)).toBe("100%");
  });

  it("scales sparklines between the lowest and highest value", () => {
    expect(sparkline([-1, 0, 1])).toBe("▁▅█");
    expect(sparkline([0.2, 0.2])).toBe("▄▄");
    expect(sparkline([])).toBe("");
  });

  it("strips terminal escape sequences and control characters from outside text", () => {
    expect(sanitizeText("\u001b[31merror\u001b[0m\r\nline\u0007 two\tend")).toBe("error\nline two  end");
    expect(sanitizeText("\u001b]0;title\u0007ok")).toBe("ok");
    expect(shorten("ptxas   error:\n  too many resources requested for launch", 30)).toBe(
      "ptxas error: too many resourc…",
    );
  });

  it("formats speedups, durations, cells and task keys", () => {
    expect(formatSpeedup(1083 / 950)).toBe("1.140×");
    expect(formatSpeedup(undefined)).toBe("—");
    expect(formatDuration(61_000)).toBe("1m01s");
    expect(formatDuration(3_725_000)).toBe("1h02m");
    expect(fit("16384x16384x16384", 10)).toBe("16384x163…");
    expect(fit("ok", 4, "right")).toBe("  ok");
    expect(taskParts("hgemm.f16f32.linear.16x4096x4096.sm90")).toEqual({
      shape: "16x4096x4096",
      layout: "linear",
      arch: "sm90",
    });
    expect(taskLabel("hgemm.f16f32.nn.4096x4096x4096.sm90a")).toBe("4096x4096x4096 nn");
    expect(taskLabel("custom-task")).toBe("custom-task");
  });
});
