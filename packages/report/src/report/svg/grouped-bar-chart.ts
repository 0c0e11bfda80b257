import { legend, type PlotArea, referenceLine, yAxis } from "./axes.js";
import { linearScale } from "./scale.js";
import { coordinate, emptyChart, escapeXml, paletteColor, svgDocument, text } from "./svg-document.js";

export interface GroupedBarChart {
  title: string;
  yLabel: string;
  /** One label per group (x category). */
  categories: string[];
  /** One series per bar of a group; `values[i]` belongs to category i (undefined: no bar). */
  series: { name: string; values: (number | undefined)[] }[];
  /** A dashed horizontal line, e.g. at 1.0× (parity). */
  reference?: { value: number; label: string };
  /** Shown instead of the chart when no bar has a value. */
  emptyMessage: string;
}

const BAR = 16;
const GROUP_GAP = 22;

/** Grouped vertical bars with a y axis from zero, category labels, a legend and value labels. */
export function groupedBarChart(chart: GroupedBarChart): string {
  const values = chart.series.flatMap((series) => series.values).filter((value) => value !== undefined);
  if (chart.categories.length === 0 || values.length === 0)
    return emptyChart(chart.title, chart.emptyMessage);

  const groupWidth = chart.series.length * BAR + GROUP_GAP;
  const longest = Math.max(...chart.categories.map((label) => label.length));
  const rotate = longest * 6.2 > groupWidth - 4;
  const bottomMargin = rotate ? 30 + Math.min(longest, 40) * 4.6 : 44;
  const width = Math.max(560, 72 + 24 + chart.categories.length * groupWidth);
  const height = 300 + bottomMargin;
  const area: PlotArea = { left: 72, top: 64, right: width - 24, bottom: height - bottomMargin };
  const max = Math.max(...values, chart.reference?.value ?? 0) * 1.12;
  const y = linearScale(0, max, area.bottom, area.top);
  const groupsWidth = chart.categories.length * groupWidth;
  const start = area.left + (area.right - area.left - groupsWidth) / 2 + GROUP_GAP / 2;
  const valueLabels = chart.categories.length * chart.series.length <= 72;

  const body: string[] = [...yAxis(area, y, chart.yLabel)];
  body.push(
    `<line x1="${area.left}" y1="${coordinate(area.bottom)}" x2="${area.right}" y2="${coordinate(area.bottom)}" stroke="#444444"/>`,
  );
  chart.categories.forEach((category, group) => {
    const groupLeft = start + group * groupWidth;
    chart.series.forEach((series, index) => {
      const value = series.values[group];
      const x = groupLeft + index * BAR;
      if (value === undefined) {
        body.push(text(x + BAR / 2, area.bottom - 4, "–", { anchor: "middle", size: 10, fill: "#888888" }));
        return;
      }
      const top = y(value);
      body.push(
        `<rect x="${coordinate(x + 1)}" y="${coordinate(top)}" width="${BAR - 2}" height="${coordinate(area.bottom - top)}" fill="${paletteColor(index)}"><title>${escapeXml(`${category}, ${series.name}: ${value.toFixed(2)}×`)}</title></rect>`,
      );
      if (valueLabels) {
        body.push(text(x + BAR / 2 + 3, top - 4, value.toFixed(2), { size: 9, rotate: -90 }));
      }
    });
    const center = groupLeft + (chart.series.length * BAR) / 2;
    body.push(
      rotate
        ? text(center + 4, area.bottom + 14, category, { anchor: "end", rotate: -35 })
        : text(center, area.bottom + 16, category, { anchor: "middle" }),
    );
  });
  if (chart.reference) body.push(...referenceLine(area, y(chart.reference.value), chart.reference.label));
  body.push(
    ...legend(
      chart.series.map((series, index) => ({
        name: series.name,
        color: paletteColor(index),
        kind: "box" as const,
      })),
      area.left,
      48,
    ),
  );
  return svgDocument({
    width,
    height,
    title: chart.title,
    description: `Grouped bar chart: ${chart.yLabel} per category for ${chart.series.map((series) => series.name).join(", ")}.`,
    body,
  });
}
