import { legend, type PlotArea, referenceLine, xAxis, yAxis } from "./axes.js";
import { linearScale } from "./scale.js";
import { coordinate, emptyChart, escapeXml, svgDocument, text } from "./svg-document.js";

export interface ScatterSeries {
  name: string;
  color: string;
  points: { x: number; y: number; label: string }[];
}

export interface ScatterChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ScatterSeries[];
  reference?: { value: number; label: string };
  /** Label points in the chart when there are at most this many (default 10); every point has a tooltip. */
  labelLimit?: number;
  emptyMessage: string;
}

/** Points over two numeric axes, with an optional horizontal reference line. */
export function scatterChart(chart: ScatterChart): string {
  const points = chart.series.flatMap((series) => series.points);
  if (points.length === 0) return emptyChart(chart.title, chart.emptyMessage);
  const width = 720;
  const height = 400;
  const area: PlotArea = { left: 72, top: 64, right: width - 24, bottom: height - 56 };
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  const x = linearScale(Math.min(...xs) - 0.5, Math.max(...xs) + 0.5, area.left, area.right, {
    integer: true,
  });
  const yLow = Math.min(...ys, chart.reference?.value ?? Number.POSITIVE_INFINITY);
  const yHigh = Math.max(...ys, chart.reference?.value ?? Number.NEGATIVE_INFINITY);
  const padding = (yHigh - yLow) * 0.1 || 0.1;
  const y = linearScale(Math.max(0, yLow - padding), yHigh + padding, area.bottom, area.top);
  const body: string[] = [...yAxis(area, y, chart.yLabel), ...xAxis(area, x, chart.xLabel)];
  if (chart.reference) body.push(...referenceLine(area, y(chart.reference.value), chart.reference.label));
  // Each distinct label is written once (beside its first point), on the side with room; all have tooltips.
  const labels = new Set(points.map((point) => point.label));
  const labelled = labels.size <= (chart.labelLimit ?? 10);
  const written = new Set<string>();
  const middle = (area.left + area.right) / 2;
  for (const series of chart.series) {
    for (const point of series.points) {
      const cx = x(point.x);
      const cy = y(point.y);
      body.push(
        `<circle cx="${coordinate(cx)}" cy="${coordinate(cy)}" r="5" fill="${series.color}" fill-opacity="0.85" stroke="#ffffff"><title>${escapeXml(`${point.label} (${series.name}): ${point.y.toFixed(2)}×`)}</title></circle>`,
      );
      if (labelled && !written.has(point.label)) {
        written.add(point.label);
        const right = cx <= middle;
        body.push(
          text(right ? cx + 7 : cx - 7, cy - 7, point.label, {
            size: 9,
            fill: "#555555",
            anchor: right ? "start" : "end",
          }),
        );
      }
    }
  }
  body.push(
    ...legend(
      chart.series.map((series) => ({ name: series.name, color: series.color, kind: "dot" as const })),
      area.left,
      48,
    ),
  );
  return svgDocument({
    width,
    height,
    title: chart.title,
    description: `Scatter plot of ${chart.yLabel} against ${chart.xLabel}.`,
    body,
  });
}
