/**
 * CSV for spreadsheets (Google Sheets, Excel): UTF-8 with a BOM so Excel detects the
 * encoding, RFC 4180 quoting, CRLF line ends. Text that a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or CR, unless it is a plain number) gets a leading quote.
 */
import { stringify } from "csv-stringify/sync";

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";
const BOM = "\uFEFF";

export type CsvValue = string | number | boolean | null | undefined;

export function toCsv(header: string[], rows: CsvValue[][]): string {
  return BOM + stringify([header, ...rows.map((row) => row.map(cell))], {
    record_delimiter: "\r\n",
    quoted_match: /[",\r\n]/,
  });
}

function cell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  return /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
}
