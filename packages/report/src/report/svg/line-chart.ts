import { type LegendItem, legend, type PlotArea, referenceLine, xAxis, yAxis } from "./axes.js";
import { type LinearScale, linearScale } from "./scale.js";
import { coordinate, emptyChart, escapeXml, svgDocument } from "./svg-document.js";

export interface LineSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  /** Drawn dashed (e.g. a series on the second axis). */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  /** Series on the left axis, with its title and an optional dashed reference value. */
  left: { label: string; series: LineSeries[]; reference?: { value: number; label: string } };
  /** Series on a second (right) axis with its own scale. */
  right?: { label: string; series: LineSeries[] };
  /** Integer x values (rounds). */
  integerX?: boolean;
  emptyMessage: string;
}

function domain(
  series: readonly LineSeries[],
  pick: (point: { x: number; y: number }) => number,
): [number, number] {
  const values = series.flatMap((item) => item.points.map(pick));
  return [Math.min(...values), Math.max(...values)];
}

function polyline(series: LineSeries, x: LinearScale, y: LinearScale): string[] {
  const parts: string[] = [];
  const points = [...series.points].sort((a, b) => a.x - b.x);
  if (points.length > 1) {
    const path = points.map((point) => `${coordinate(x(point.x))},${coordinate(y(point.y))}`).join(" ");
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ` stroke-dasharray="5 3"` : ""}/>`,
    );
  }
  for (const point of points) {
    parts.push(
      `<circle cx="${coordinate(x(point.x))}" cy="${coordinate(y(point.y))}" r="3.5" fill="${series.color}"><title>${escapeXml(`${series.name} at ${point.x}: ${point.y.toFixed(3)}`)}</title></circle>`,
    );
  }
  return parts;
}

/** Lines over a numeric x axis, with an optional second y axis on the right. */
export function lineChart(chart: LineChart): string {
  const all = [...chart.left.series, ...(chart.right?.series ?? [])].filter(
    (series) => series.points.length > 0,
  );
  if (all.length === 0) return emptyChart(chart.title, chart.emptyMessage);
  const width = 720;
  const height = 380;
  const area: PlotArea = { left: 72, top: 64, right: width - (chart.right ? 80 : 24), bottom: height - 56 };
  const [xMin, xMax] = domain(all, (point) => point.x);
  const x = linearScale(xMin, xMax, area.left, area.right, { integer: chart.integerX ?? false });
  const body: string[] = [];
  const leftSeries = chart.left.series.filter((series) => series.points.length > 0);
  const rightSeries = chart.right?.series.filter((series) => series.points.length > 0) ?? [];

  let leftMin = 0;
  let leftMax = chart.left.reference?.value ?? 1;
  if (leftSeries.length > 0) {
    const [low, high] = domain(leftSeries, (point) => point.y);
    leftMin = Math.min(low, chart.left.reference?.value ?? low);
    leftMax = Math.max(high, chart.left.reference?.value ?? high);
  }
  const padding = (leftMax - leftMin) * 0.08 || 0.1;
  const yLeft = linearScale(Math.max(0, leftMin - padding), leftMax + padding, area.bottom, area.top);
  body.push(...yAxis(area, yLeft, chart.left.label, "left"));
  body.push(...xAxis(area, x, chart.xLabel));
  if (chart.left.reference) {
    body.push(...referenceLine(area, yLeft(chart.left.reference.value), chart.left.reference.label));
  }
  for (const series of leftSeries) body.push(...polyline(series, x, yLeft));
  if (chart.right && rightSeries.length > 0) {
    const [low, high] = domain(rightSeries, (point) => point.y);
    const yRight = linearScale(low, high, area.bottom, area.top);
    body.push(...yAxis(area, yRight, chart.right.label, "right"));
    for (const series of rightSeries) body.push(...polyline(series, x, yRight));
  }
  const items: LegendItem[] = all.map((series) => ({ name: series.name, color: series.color, kind: "line" }));
  body.push(...legend(items, area.left, 48));
  return svgDocument({
    width,
    height,
    title: chart.title,
    description: `Line chart over ${chart.xLabel}: ${all.map((series) => series.name).join(", ")}.`,
    body,
  });
}
