/**
 * Parses RTE éCO2mix text into consumption records. Two dialects, columns found by name:
 * - éCO2mix `.xls`: tab-separated Latin-1 text, header line, data rows with a trailing tab,
 *   a disclaimer footer line (its absence means the file was cut short);
 * - ODRÉ CSV export: `;`-separated UTF-8, field-name or label header, ISO `date_heure`.
 */
import { parse as parseCsvLine } from "csv-parse/sync";
import type { Nature } from "../../db/consumption.ts";
import { daysInMonth } from "../../lib/zoned_time.ts";
import { RteFormatError } from "./errors.ts";
import type { Line } from "./lines.ts";

export interface ConsumptionRecord {
  line: number;
  perimeter: string;
  nature: Nature;
  /** Local French date and quarter-hour, as written in the file. */
  date: string;
  time: string;
  /** MW; null for the missing markers (empty, `ND`, `-`). */
  consumptionMw: number | null;
  /** ODRÉ's ISO instant with offset, when the file has one. */
  instant?: string;
}

export type Dialect = "eco2mix" | "odre";

const NATURES: Record<string, Nature> = {
  "donnees definitives": "definitive",
  "donnees consolidees": "consolidated",
  "donnees temps reel": "real_time",
};
const MISSING = new Set(["", "ND", "-"]);
const FOOTER_START = "RTE ne pourra";

type Column =
  | "perimeter"
  | "nature"
  | "date"
  | "time"
  | "instant"
  | "consumption";

// Normalised header name (see `normalise`) → column.
const HEADER_NAMES: Record<string, Column> = {
  "perimetre": "perimeter",
  "nature": "nature",
  "date": "date",
  "heures": "time",
  "heure": "time",
  "date_heure": "instant",
  "date - heure": "instant",
  "consommation": "consumption",
  "consommation (mw)": "consumption",
};
const REQUIRED: Column[] = [
  "perimeter",
  "nature",
  "date",
  "time",
  "consumption",
];

/** Records in batches (one per batch of lines), validated as they are read. */
export async function* parseConsumption(
  file: string,
  dialect: Dialect,
  lineBatches: AsyncIterable<Line[]>,
): AsyncGenerator<ConsumptionRecord[]> {
  const delimiter = dialect === "eco2mix" ? "\t" : ";";
  let columns: Columns | undefined;
  let sawFooter = false;
  for await (const lines of lineBatches) {
    const records: ConsumptionRecord[] = [];
    for (const { number, text } of lines) {
      if (!columns) {
        columns = locateColumns(file, splitFields(text.replace(/^\uFEFF/, ""), delimiter), dialect);
        continue;
      }
      if (text.trim() === "") continue;
      if (dialect === "eco2mix" && text.startsWith(FOOTER_START)) {
        sawFooter = true;
        continue;
      }
      if (sawFooter) throw new RteFormatError(file, "data after the closing disclaimer", number);
      const fields = leadingFields(text, delimiter, columns.last, columns.width);
      if (fields.count < columns.width) {
        throw new RteFormatError(
          file,
          `${fields.count} fields where the header has ${columns.width} (line cut short?)`,
          number,
        );
      }
      records.push(readRecord(file, number, fields.values, columns));
    }
    if (records.length > 0) yield records;
  }
  if (!columns) throw new RteFormatError(file, "the file is empty");
  if (dialect === "eco2mix" && !sawFooter) {
    throw new RteFormatError(
      file,
      "truncated: the RTE disclaimer line that ends every file is missing",
    );
  }
}

interface Columns extends Partial<Record<Column, number>> {
  /** Fields in the header; a data row has at least as many. */
  width: number;
  /** Highest index among the columns read. */
  last: number;
}

/**
 * The fields up to `last` and how many fields the line has (counted up to `width`), without
 * splitting the whole line: a 41-column row is read for its first five.
 */
function leadingFields(text: string, delimiter: string, last: number, width: number) {
  if (text.includes('"')) {
    const values = splitFields(text, delimiter);
    return { values, count: values.length };
  }
  const values: string[] = [];
  let start = 0;
  let count = 1;
  for (
    let at = text.indexOf(delimiter);
    at >= 0 && (count < width || values.length <= last);
    at = text.indexOf(delimiter, at + 1)
  ) {
    if (values.length <= last) values.push(text.slice(start, at));
    start = at + 1;
    count++;
  }
  if (values.length <= last) values.push(text.slice(start));
  return { values, count };
}

function splitFields(text: string, delimiter: string): string[] {
  if (!text.includes('"')) return text.split(delimiter);
  const [fields] = parseCsvLine(text, { delimiter, relax_column_count: true }) as string[][];
  return fields ?? [];
}

function locateColumns(
  file: string,
  header: string[],
  dialect: Dialect,
): Columns {
  if (header.length < 5) {
    const expected = dialect === "eco2mix" ? "tab-separated" : "`;`-separated";
    throw new RteFormatError(
      file,
      `the first line is not a ${expected} éCO2mix header`,
      1,
    );
  }
  const normalised = header.map(normalise);
  if (
    dialect === "eco2mix" && header.some((name) => name.includes("\u00c3"))
  ) {
    throw new RteFormatError(
      file,
      "the file is UTF-8; RTE files are ISO-8859-1 (Latin-1)",
      1,
    );
  }
  const columns: Columns = { width: header.length, last: 0 };
  normalised.forEach((name, index) => {
    const column = HEADER_NAMES[name];
    if (column && columns[column] === undefined) {
      columns[column] = index;
      columns.last = Math.max(columns.last, index);
    }
  });
  const missing = REQUIRED.filter((column) => columns[column] === undefined);
  if (missing.length > 0) {
    throw new RteFormatError(
      file,
      `no ${missing.map(columnLabel).join(", ")} column`,
      1,
    );
  }
  return columns;
}

function columnLabel(column: Column): string {
  return {
    perimeter: "Périmètre",
    nature: "Nature",
    date: "Date",
    time: "Heures",
  }[
    column as "perimeter"
  ] ?? "Consommation";
}

/** Lower case, no accents, single spaces: `Périmètre` → `perimetre`. */
function normalise(name: string): string {
  return name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim()
    .toLowerCase()
    .replace(/\s+/g, " ");
}

function readRecord(
  file: string,
  line: number,
  fields: string[],
  columns: Columns,
): ConsumptionRecord {
  const field = (column: Column) => (fields[columns[column]!] ?? "").trim();
  const natureText = field("nature");
  const nature = natureOf(natureText);
  if (!nature) {
    throw new RteFormatError(file, `Cannot parse nature "${natureText}"`, line);
  }
  const perimeter = field("perimeter");
  if (perimeter === "") throw new RteFormatError(file, "empty Périmètre", line);
  const date = checkDate(file, line, field("date"));
  const time = checkTime(file, line, field("time"));
  const record: ConsumptionRecord = {
    line,
    perimeter,
    nature,
    date,
    time,
    consumptionMw: parseMegawatts(file, line, field("consumption")),
  };
  if (columns.instant !== undefined && field("instant") !== "") {
    record.instant = field("instant");
  }
  return record;
}

let lastNature: { text: string; nature: Nature | undefined } = { text: "", nature: undefined };

// Every row repeats its file's nature: normalise a spelling once per run of equal rows.
function natureOf(text: string): Nature | undefined {
  if (text !== lastNature.text) lastNature = { text, nature: NATURES[normalise(text)] };
  return lastNature.nature;
}

let lastValidDate = "";

// A file repeats each date 96 times in a row: validate it once per run.
function checkDate(file: string, line: number, text: string): string {
  if (text === lastValidDate) return text;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) {
    throw new RteFormatError(file, `Cannot parse date "${text}": expected YYYY-MM-DD`, line);
  }
  const [year, month, day] = match.slice(1).map(Number);
  if (month < 1 || month > 12) {
    throw new RteFormatError(file, `Cannot parse "${text}": month out of range`, line);
  }
  if (day < 1 || day > daysInMonth(year, month)) {
    throw new RteFormatError(file, `Cannot parse "${text}": day out of range`, line);
  }
  lastValidDate = text;
  return text;
}

const QUARTER_HOURS = new Set(
  Array.from({ length: 96 }, (_, i) => `${pad2(Math.floor(i / 4))}:${pad2((i % 4) * 15)}`),
);

function checkTime(file: string, line: number, text: string): string {
  if (!QUARTER_HOURS.has(text)) {
    throw new RteFormatError(
      file,
      `Cannot parse time "${text}": expected a quarter-hour HH:MM`,
      line,
    );
  }
  return text;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

// The `integer` column's maximum. Consumption is never negative (a `-` is a missing value).
const MAX_MW = 2 ** 31 - 1;

function parseMegawatts(file: string, line: number, text: string): number | null {
  if (MISSING.has(text)) return null;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48; // a hot loop: a regex here cost a tenth of the parse
    if (digit < 0 || digit > 9) {
      throw new RteFormatError(file, `Cannot parse consumption "${text}": expected whole MW`, line);
    }
    value = value * 10 + digit;
  }
  if (value > MAX_MW) {
    throw new RteFormatError(
      file,
      `Cannot parse consumption "${text}": out of range (at most ${MAX_MW} MW)`,
      line,
    );
  }
  return value;
}
