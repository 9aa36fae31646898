/** Prints rows as a plain-text table (terminal) and as markdown (README). */
import type { BenchRow } from "./context.ts";

function formatValue(value: number | undefined, format: BenchRow["format"]): string {
  if (value === undefined || Number.isNaN(value)) return "";
  switch (format) {
    case "rate":
      return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)} k` : value.toFixed(0);
    case "microseconds":
      return `${value.toFixed(1)} µs`;
    case "nanoseconds":
      return `${value.toFixed(0)} ns`;
    case "kibibytes":
      return `${(value / 1024).toFixed(1)} KiB`;
    case "percent":
      return `${(value * 100).toFixed(1)} %`;
    case "seconds":
      return `${value.toFixed(2)} s`;
    default:
      return String(Math.round(value));
  }
}

function cells(row: BenchRow): string[] {
  return [
    row.scenario,
    row.metric,
    formatValue(row.ours, row.format),
    formatValue(row.reference, row.format),
    row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}×`,
    row.target ?? "",
    row.ok === undefined ? "" : row.ok ? "yes" : "NO",
  ];
}

const HEADER = ["scenario", "metric", "repod", "reference", "ratio", "target", "met"];

export function textTable(rows: readonly BenchRow[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((line) => line[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (i >= 2 && i <= 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

export function markdownTable(rows: readonly BenchRow[]): string {
  const line = (values: string[]): string => `| ${values.join(" | ")} |`;
  return [line(HEADER), line(HEADER.map((_, i) => (i >= 2 && i <= 4 ? "---:" : "---"))), ...rows.map((row) => line(cells(row)))].join("\n");
}
