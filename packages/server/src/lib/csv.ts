// CSV, the one way every export writes it: RFC 4180 quoting, CRLF rows, and a UTF-8 byte-order mark
// first so spreadsheet apps read Chinese correctly. A text cell a spreadsheet would run as a
// formula (= + - @, tab or carriage return first) gets a leading apostrophe: exported cells are
// often user input. Pure.

export type CsvValue = string | number | boolean | null | undefined;

export const CSV_BOM = '\ufeff';

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (cells: readonly CsvValue[]) => `${cells.map(csvCell).join(',')}\r\n`;
