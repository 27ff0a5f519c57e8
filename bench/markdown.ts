/** Markdown tables padded as `deno fmt` pads them, so the README can take them as they are. */

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? "").length))
  );
  const line = (cells: string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? "").padEnd(width)).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

/** `70 955`: thousands apart, as the README writes them. */
export function count(value: number): string {
  return Math.round(value).toString().replace(/\B(?=(\d{3})+$)/g, " ");
}

/** Milliseconds with two decimals below 1 000, else whole and spaced (`1 810`). */
export function ms(value: number): string {
  return value < 1000 ? value.toFixed(2) : count(value);
}

export function times(value: number): string {
  return `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)}×`;
}
