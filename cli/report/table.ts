/**
 * A plain text table: headers (which may take two lines), columns padded to their widest cell,
 * numbers aligned right, two spaces between columns, a rule under the header and above a total.
 */
import { visibleLength } from '../io.ts';

export interface Column {
  /** Header text; '\n' splits it over two lines to keep numeric columns narrow. */
  header: string;
  align?: 'left' | 'right';
}

export interface TableOptions {
  /** Rows drawn under a rule at the bottom (totals). */
  footer?: string[][];
  /** Styles the header cells (bold on a terminal). */
  headerStyle?: (text: string) => string;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return align === 'right' ? `${fill}${text}` : `${text}${fill}`;
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly string[][],
  options: TableOptions = {},
) {
  const headerLines = columns.map((column) => column.header.split('\n'));
  const headerHeight = Math.max(...headerLines.map((lines) => lines.length));
  const body = [...rows, ...(options.footer ?? [])];
  const widths = columns.map((_, index) =>
    Math.max(
      ...(headerLines[index] ?? []).map((line) => line.length),
      ...body.map((row) => visibleLength(row[index] ?? '')),
    ),
  );
  const align = (index: number) => columns[index]?.align ?? 'left';
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => pad(cell, widths[index] ?? 0, align(index)))
      .join('  ')
      .trimEnd();
  const style = options.headerStyle ?? ((text: string) => text);
  const out: string[] = [];
  for (let level = 0; level < headerHeight; level++) {
    // Shorter headers sit on the bottom line, next to the rule.
    const cells = headerLines.map((lines) => lines[level - (headerHeight - lines.length)] ?? '');
    out.push(style(line(cells)));
  }
  const rule = widths.map((width) => '─'.repeat(width)).join('──');
  out.push(rule);
  for (const row of rows) out.push(line(row));
  if (options.footer && options.footer.length > 0) {
    out.push(rule);
    for (const row of options.footer) out.push(line(row));
  }
  return `${out.join('\n')}\n`;
}
