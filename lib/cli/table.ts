/** Plain text tables for the CLI: a header of the column names, padded columns, numbers right-aligned. */

type Cell = string | number | boolean;

/** Code points, so an ellipsis or an accented letter counts as one column. */
const width = (text: string) => [...text].length;

/** `text` cut to at most `max` columns, ending with an ellipsis when something was cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** The rows (objects with the same keys) as lines of text; the keys of the first row name the columns. */
export function formatTable(rows: readonly Record<string, Cell>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  const numeric = columns.map((column) => rows.every((row) => typeof row[column] === 'number'));
  const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => width(line[i]!))));
  return cells
    .map((line) =>
      line
        .map((cell, i) => {
          const pad = ' '.repeat(widths[i]! - width(cell));
          return numeric[i] ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function printTable(rows: readonly Record<string, Cell>[]): void {
  console.log(formatTable(rows));
}
