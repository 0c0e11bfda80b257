import type { LinearScale } from "./scale.js";
import { tickLabel } from "./scale.js";
import { line, paletteColor, text } from "./svg-document.js";

/** The plotting rectangle of a chart, in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A horizontal y axis with grid lines, tick labels and a rotated title on the given side. */
export function yAxis(
  area: PlotArea,
  scale: LinearScale,
  title: string,
  side: "left" | "right" = "left",
): string[] {
  const parts: string[] = [];
  const x = side === "left" ? area.left : area.right;
  for (const tick of scale.ticks) {
    const y = scale(tick);
    if (side === "left") parts.push(line(area.left, y, area.right, y, "#e5e5e5"));
    parts.push(line(x, y, side === "left" ? x - 4 : x + 4, y, "#444444"));
    parts.push(
      text(side === "left" ? x - 7 : x + 7, y + 4, tickLabel(tick, scale.ticks), {
        anchor: side === "left" ? "end" : "start",
      }),
    );
  }
  parts.push(line(x, area.top, x, area.bottom, "#444444"));
  const titleX = side === "left" ? 16 : area.right + 52;
  parts.push(
    text(titleX, (area.top + area.bottom) / 2, title, {
      anchor: "middle",
      rotate: side === "left" ? -90 : 90,
    }),
  );
  return parts;
}

/** A numeric x axis with tick marks, labels and a title below. */
export function xAxis(area: PlotArea, scale: LinearScale, title: string): string[] {
  const parts: string[] = [line(area.left, area.bottom, area.right, area.bottom, "#444444")];
  for (const tick of scale.ticks) {
    const x = scale(tick);
    parts.push(line(x, area.bottom, x, area.bottom + 4, "#444444"));
    parts.push(text(x, area.bottom + 17, tickLabel(tick, scale.ticks), { anchor: "middle" }));
  }
  parts.push(text((area.left + area.right) / 2, area.bottom + 36, title, { anchor: "middle" }));
  return parts;
}

/** A dashed horizontal reference line (e.g. 1.0×, parity with the baseline) with its label. */
export function referenceLine(area: PlotArea, y: number, label: string): string[] {
  return [
    line(area.left, y, area.right, y, "#333333", `stroke-dasharray="6 4" stroke-width="1.2"`),
    text(area.right - 4, y - 5, label, { anchor: "end", size: 10, fill: "#333333" }),
  ];
}

export interface LegendItem {
  name: string;
  color: string;
  kind: "box" | "line" | "dot";
}

/** A one-row legend starting at (x, y). */
export function legend(items: readonly LegendItem[], x: number, y: number): string[] {
  const parts: string[] = [];
  let cursor = x;
  for (const item of items) {
    if (item.kind === "box") {
      parts.push(`<rect x="${cursor}" y="${y - 9}" width="11" height="11" fill="${item.color}"/>`);
    } else if (item.kind === "line") {
      parts.push(line(cursor, y - 4, cursor + 14, y - 4, item.color, `stroke-width="2.5"`));
    } else {
      parts.push(`<circle cx="${cursor + 6}" cy="${y - 4}" r="4.5" fill="${item.color}"/>`);
    }
    const offset = item.kind === "line" ? 19 : 16;
    parts.push(text(cursor + offset, y, item.name));
    cursor += offset + item.name.length * 5.9 + 18;
  }
  return parts;
}

export function seriesColor(index: number): string {
  return paletteColor(index);
}
