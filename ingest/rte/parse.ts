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
import type { LineBlock } from "./lines.ts";

export interface ConsumptionRecord {
  line: number;
  perimeter: string;
  nature: Nature;
  /** Local French date and quarter-hour, as written in the file. */
  date: string;
  hour: number;
  minute: number;
  /** MW; lines with a missing marker (empty, `ND`, `-`) give no record. */
  consumptionMw: number;
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

/**
 * Records of the lines holding a consumption value (not a missing marker: empty, `ND`, `-`),
 * in batches (one per block of lines). Every line is validated as it is read.
 */
export async function* parseConsumption(
  file: string,
  dialect: Dialect,
  blocks: AsyncIterable<LineBlock>,
): AsyncGenerator<ConsumptionRecord[]> {
  const delimiter = dialect === "eco2mix" ? "\t" : ";";
  let readLine: LineReader | undefined;
  let sawFooter = false;
  for await (const { text, firstLine } of blocks) {
    const records: ConsumptionRecord[] = [];
    let number = firstLine - 1;
    let quoteAt = -1; // the next '"' at or after the line's start; text.length when none
    for (let start = 0; start < text.length;) {
      const newline = text.indexOf("\n", start);
      const next = newline < 0 ? text.length : newline + 1;
      let end = newline < 0 ? text.length : newline;
      if (end > start && text.charCodeAt(end - 1) === CR) end--;
      number++;
      const lineStart = start;
      start = next;
      if (!readLine) {
        const header = splitFields(text.slice(lineStart, end).replace(/^\uFEFF/, ""), delimiter);
        readLine = lineReader(file, locateColumns(file, header, dialect), delimiter);
        continue;
      }
      if (isBlank(text, lineStart, end)) continue;
      if (dialect === "eco2mix" && text.startsWith(FOOTER_START, lineStart)) {
        sawFooter = true;
        continue;
      }
      if (sawFooter) throw new RteFormatError(file, "data after the closing disclaimer", number);
      if (quoteAt < lineStart) {
        quoteAt = text.indexOf('"', lineStart);
        if (quoteAt < 0) quoteAt = text.length;
      }
      const record = readLine(text, lineStart, end, number, quoteAt < end);
      if (record) records.push(record);
    }
    if (records.length > 0) yield records;
  }
  if (!readLine) throw new RteFormatError(file, "the file is empty");
  if (dialect === "eco2mix" && !sawFooter) {
    throw new RteFormatError(
      file,
      "truncated: the RTE disclaimer line that ends every file is missing",
    );
  }
}

const CR = 13;

/** `line.trim() === ""`, without cutting the line out when it starts with visible ASCII. */
function isBlank(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  return end === start || (!(first > 32 && first < 127) && text.slice(start, end).trim() === "");
}

type LineReader = (
  text: string,
  start: number,
  end: number,
  line: number,
  quoted: boolean,
) => ConsumptionRecord | undefined;

/**
 * Reads the data line `text[start, end)`. A plain line (no quote, the columns read and the
 * ones after them present) is read in place: only the fields kept are cut out, and its
 * perimeter, nature and date, when the previous line has the same (a file repeats them 96
 * times in a row), are neither cut out nor checked again. Any other line, or a field that is
 * not plainly valid, goes the general way (`readRecord`), which says what is wrong.
 */
function lineReader(file: string, columns: Columns, delimiter: string): LineReader {
  const { width, last } = columns;
  // fieldStarts[i] is where field i starts; field i ends one before fieldStarts[i + 1].
  const fieldStarts = new Int32Array(last + 2);
  // The delimiters a line needs after the one closing field `last` (a tab and `;` need no
  // escaping in a regular expression).
  const remaining = width - last - 2;
  const hasRemaining = remaining > 0
    ? new RegExp(`(?:[^${delimiter}\\n]*${delimiter}){${remaining}}`, "y")
    : undefined;
  /** Fills fieldStarts; false unless fields 0..last end with a delimiter and the rest follow. */
  const locate = (text: string, start: number, end: number): boolean => {
    fieldStarts[0] = start;
    for (let field = 0; field <= last; field++) {
      const at = text.indexOf(delimiter, fieldStarts[field]);
      if (at < 0 || at >= end) return false;
      fieldStarts[field + 1] = at + 1;
    }
    if (!hasRemaining) return true;
    hasRemaining.lastIndex = fieldStarts[last + 1];
    return hasRemaining.test(text);
  };

  const [perimeterField, natureField, dateField, timeField, consumptionField] = REQUIRED.map(
    (column) => columns[column]!,
  );
  const instantField = columns.instant;
  const from = (field: number) => fieldStarts[field];
  const to = (field: number) => fieldStarts[field + 1] - 1;
  const field = (text: string, index: number) => text.slice(from(index), to(index)).trim();

  // The text from the first to the last of perimeter, nature and date (next to each other in
  // RTE's files), as last read, and what it held.
  const firstRepeated = Math.min(perimeterField, natureField, dateField);
  const lastRepeated = Math.max(perimeterField, natureField, dateField);
  let repeatedText = "\n"; // never a piece of a line
  let perimeter = "";
  let nature: Nature = "definitive";
  let date = "";

  return (text, start, end, line, quoted) => {
    if (quoted || !locate(text, start, end)) return readLine(text.slice(start, end), line);
    const repeatedStart = from(firstRepeated);
    const repeatedEnd = to(lastRepeated);
    if (
      repeatedEnd - repeatedStart !== repeatedText.length ||
      !text.startsWith(repeatedText, repeatedStart)
    ) {
      nature = readNature(file, line, field(text, natureField));
      perimeter = readPerimeter(file, line, field(text, perimeterField));
      date = checkDate(file, line, field(text, dateField));
      repeatedText = text.slice(repeatedStart, repeatedEnd);
    }
    const minutes = quarterHourAt(text, from(timeField), to(timeField)) ??
      minutesOf(checkTime(file, line, field(text, timeField)));
    const consumptionMw = megawattsAt(text, from(consumptionField), to(consumptionField)) ??
      parseMegawatts(file, line, field(text, consumptionField));
    if (consumptionMw === null) return undefined;
    const instant = instantField === undefined ? "" : field(text, instantField);
    return record({ line, perimeter, nature, date }, minutes, consumptionMw, instant);
  };

  /** The general way: the line's fields, its field count checked, then `readRecord`. */
  function readLine(text: string, line: number): ConsumptionRecord | undefined {
    const fields = leadingFields(text, delimiter, last, width);
    if (fields.count < width) {
      throw new RteFormatError(
        file,
        `${fields.count} fields where the header has ${width} (line cut short?)`,
        line,
      );
    }
    return readRecord(file, line, fields.values, columns);
  }
}

/** Minutes since midnight of a plain `HH:MM` quarter-hour, or undefined for anything else. */
function quarterHourAt(text: string, start: number, end: number): number | undefined {
  if (end - start !== 5 || text.charCodeAt(start + 2) !== COLON) return undefined;
  const hour = twoDigitsAt(text, start);
  const minute = twoDigitsAt(text, start + 3);
  return hour <= 23 && minute <= 45 && minute % 15 === 0 ? hour * 60 + minute : undefined;
}

const COLON = 58;
const ZERO = 48;

/** The number written by two digits at `at`; 99 when they are not both digits. */
function twoDigitsAt(text: string, at: number): number {
  const tens = text.charCodeAt(at) - ZERO;
  const units = text.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : 99;
}

/**
 * The MW of a field written as up to nine digits (below the column's maximum) or empty
 * (missing); undefined for anything else, left to `parseMegawatts`.
 */
function megawattsAt(text: string, start: number, end: number): number | null | undefined {
  if (end === start) return null;
  if (end - start > 9) return undefined;
  let value = 0;
  for (let at = start; at < end; at++) {
    const digit = text.charCodeAt(at) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
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
): ConsumptionRecord | undefined {
  const field = (column: Column) => (fields[columns[column]!] ?? "").trim();
  const nature = readNature(file, line, field("nature"));
  const perimeter = readPerimeter(file, line, field("perimeter"));
  const date = checkDate(file, line, field("date"));
  const minutes = minutesOf(checkTime(file, line, field("time")));
  const consumptionMw = parseMegawatts(file, line, field("consumption"));
  if (consumptionMw === null) return undefined;
  const instant = columns.instant === undefined ? "" : field("instant");
  return record({ line, perimeter, nature, date }, minutes, consumptionMw, instant);
}

/** A line's record; `instant` only when the file gives one (ODRÉ), else "". */
function record(
  where: Pick<ConsumptionRecord, "line" | "perimeter" | "nature" | "date">,
  minutes: number,
  consumptionMw: number,
  instant: string,
): ConsumptionRecord {
  const built: ConsumptionRecord = {
    ...where,
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    consumptionMw,
  };
  if (instant !== "") built.instant = instant;
  return built;
}

function readNature(file: string, line: number, text: string): Nature {
  const nature = natureOf(text);
  if (!nature) throw new RteFormatError(file, `Cannot parse nature "${text}"`, line);
  return nature;
}

function readPerimeter(file: string, line: number, text: string): string {
  if (text === "") throw new RteFormatError(file, "empty Périmètre", line);
  return text;
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
