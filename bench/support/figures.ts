/**
 * Figures a benchmark reports, their targets, the summary table, and the small statistics the
 * benchmarks share. A figure is printed, never asserted: a missed target is a finding.
 * @module
 */

/** A target from the project's issue, e.g. `{ op: "<=", value: 30 }` for "≤ 30 ms". */
export interface Target {
  op: "<" | "<=" | ">" | ">=";
  value: number;
}

/** One measured number. `value` is null when the figure could not be measured (see `note`). */
export interface Figure {
  figure: string;
  value: number | null;
  unit: string;
  target?: Target;
  note?: string;
}

/** True/false when the figure has a target and a value, undefined otherwise. */
export function targetMet(f: Figure): boolean | undefined {
  if (!f.target || f.value === null) return undefined;
  const { op, value } = f.target;
  switch (op) {
    case "<":
      return f.value < value;
    case "<=":
      return f.value <= value;
    case ">":
      return f.value > value;
    case ">=":
      return f.value >= value;
  }
}

/** A value with sensible precision for a table: 3 significant digits, no exponent. */
export function formatValue(value: number | null): string {
  if (value === null) return "—";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** Renders figures as an aligned text table: [bench,] figure, value, unit, target, met, note. */
export function renderTable(figures: (Figure & { bench?: string })[]): string {
  const withBench = figures.some((f) => f.bench !== undefined);
  const rows = figures.map((f) => {
    const met = targetMet(f);
    return [
      ...(withBench ? [f.bench ?? ""] : []),
      f.figure,
      formatValue(f.value),
      f.unit,
      f.target ? `${f.target.op} ${f.target.value}` : "",
      met === undefined ? (f.value === null ? "skipped" : "") : met ? "yes" : "NO",
      f.note ?? "",
    ];
  });
  const header = [...(withBench ? ["bench"] : []), "figure", "value", "unit", "target", "met", "note"];
  const valueColumn = withBench ? 2 : 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === valueColumn ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError("Cannot take a percentile of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median (the mean of the two middle samples for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError("Cannot take the median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One line of sample statistics, e.g. `median 21.3  p90 24.0  min 19.8  max 30.1  (n=15)`. */
export function describeSamples(samples: readonly number[], digits = 1): string {
  const f = (x: number) => x.toFixed(digits);
  return (
    `median ${f(median(samples))}  p90 ${f(percentile(samples, 90))}  ` +
    `min ${f(Math.min(...samples))}  max ${f(Math.max(...samples))}  (n=${samples.length})`
  );
}
