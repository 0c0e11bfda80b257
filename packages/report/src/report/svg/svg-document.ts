/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A coordinate with at most two decimals and no trailing zeros. */
export function coordinate(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Colour-blind-safe palette (Paul Tol's bright scheme). */
export const PALETTE = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"] as const;

export function paletteColor(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/** A `<text>` element; `text` is escaped. */
export function text(
  x: number,
  y: number,
  content: string,
  options: {
    anchor?: "start" | "middle" | "end";
    size?: number;
    weight?: "bold";
    rotate?: number;
    fill?: string;
  } = {},
): string {
  const attributes = [`x="${coordinate(x)}"`, `y="${coordinate(y)}"`];
  if (options.anchor && options.anchor !== "start") attributes.push(`text-anchor="${options.anchor}"`);
  if (options.size) attributes.push(`font-size="${options.size}"`);
  if (options.weight) attributes.push(`font-weight="${options.weight}"`);
  if (options.fill) attributes.push(`fill="${options.fill}"`);
  if (options.rotate) {
    attributes.push(`transform="rotate(${options.rotate} ${coordinate(x)} ${coordinate(y)})"`);
  }
  return `<text ${attributes.join(" ")}>${escapeXml(content)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ""): string {
  return `<line x1="${coordinate(x1)}" y1="${coordinate(y1)}" x2="${coordinate(x2)}" y2="${coordinate(y2)}" stroke="${stroke}"${extra ? ` ${extra}` : ""}/>`;
}

/** A standalone SVG document with a title (also its accessible name) and a short description. */
export function svgDocument(options: {
  width: number;
  height: number;
  title: string;
  description: string;
  body: string[];
}): string {
  const { width, height } = options;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${coordinate(width)} ${coordinate(height)}" width="${coordinate(width)}" height="${coordinate(height)}" role="img" aria-labelledby="chart-title chart-description">`,
    `<title id="chart-title">${escapeXml(options.title)}</title>`,
    `<desc id="chart-description">${escapeXml(options.description)}</desc>`,
    `<style>text { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 11px; fill: #222222; }</style>`,
    `<rect x="0" y="0" width="${coordinate(width)}" height="${coordinate(height)}" fill="#ffffff"/>`,
    text(width / 2, 24, options.title, { anchor: "middle", size: 15, weight: "bold" }),
    ...options.body,
    `</svg>`,
    "",
  ].join("\n");
}

/** A chart that has nothing to plot: its title and a message in the middle, never an error. */
export function emptyChart(title: string, message: string, width = 640, height = 240): string {
  return svgDocument({
    width,
    height,
    title,
    description: message,
    body: [
      `<rect x="40" y="48" width="${width - 80}" height="${height - 80}" fill="#f7f7f7" stroke="#cccccc"/>`,
      text(width / 2, 48 + (height - 80) / 2 + 4, message, { anchor: "middle", size: 13, fill: "#555555" }),
    ],
  });
}
