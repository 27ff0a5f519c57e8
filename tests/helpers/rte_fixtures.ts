/**
 * Builds RTE éCO2mix files byte for byte as RTE writes them (see ../shared/docs/rte-format.md):
 * ISO-8859-1, tab-separated, header without trailing tab, data rows with one, 96 quarter-hour
 * rows per day (DST days included), the disclaimer line, then an empty line; zipped as served.
 */
import { zipSync } from "fflate";

export const V36_HEADER = [
  "Périmètre",
  "Nature",
  "Date",
  "Heures",
  "Consommation",
  "Prévision J-1",
  "Prévision J",
  "Fioul",
  "Charbon",
  "Gaz",
  "Nucléaire",
  "Eolien",
  "Solaire",
  "Hydraulique",
  "Pompage",
  "Bioénergies",
  "Ech. physiques",
  "Taux de Co2",
  "Ech. comm. Angleterre",
  "Ech. comm. Espagne",
  "Ech. comm. Italie",
  "Ech. comm. Suisse",
  "Ech. comm. Allemagne-Belgique",
  "Fioul - TAC",
  "Fioul - Cogén.",
  "Fioul - Autres",
  "Gaz - TAC",
  "Gaz - Cogén.",
  "Gaz - CCG",
  "Gaz - Autres",
  "Hydraulique - Fil de l?eau + éclusée",
  "Hydraulique - Lacs",
  "Hydraulique - STEP turbinage",
  "Bioénergies - Déchets",
  "Bioénergies - Biomasse",
  "Bioénergies - Biogaz",
];

/** The 2025-2026 real-time layout: V36 + four columns, one with a leading space. */
export const V40_HEADER = [
  ...V36_HEADER,
  " Stockage batterie",
  "Déstockage batterie",
  "Eolien terrestre",
  "Eolien offshore",
];

export const DISCLAIMER =
  "RTE ne pourra être tenu responsable de l'usage qui pourrait être fait des données mises à disposition, ni en cas de prévisions qui se révèleraient imprécises.";

export const NATURE_TEXT = {
  definitive: "Données définitives",
  consolidated: "Données consolidées",
  real_time: "Données temps réel",
} as const;

export interface QuarterHourRow {
  date: string;
  time: string;
  /** Written as is: a number, "", "ND", "-". */
  consumption: string;
}

/** "HH:MM" for the 96 quarter-hours of a day. */
export const QUARTER_HOURS = Array.from(
  { length: 96 },
  (_, i) =>
    `${String(Math.floor(i / 4)).padStart(2, "0")}:${String((i % 4) * 15).padStart(2, "0")}`,
);

/**
 * One day as a definitive/consolidated file has it: consumption on :00 and :30 only.
 * `mw(time)` gives the value; on the spring-forward day RTE's fill copies apply
 * (02:00 = 03:00, 02:30 = 01:30).
 */
export function halfHourlyDay(date: string, mw: (time: string) => number): QuarterHourRow[] {
  const spring = isSpringForward(date);
  return QUARTER_HOURS.map((time) => {
    const onHalfHour = time.endsWith(":00") || time.endsWith(":30");
    const source = spring && time === "02:00"
      ? "03:00"
      : spring && time === "02:30"
      ? "01:30"
      : time;
    return { date, time, consumption: onHalfHour ? String(mw(source)) : "" };
  });
}

/** One day as a real-time file has it: consumption on every quarter-hour. */
export function quarterHourlyDay(date: string, mw: (time: string) => number): QuarterHourRow[] {
  return QUARTER_HOURS.map((time) => ({ date, time, consumption: String(mw(time)) }));
}

/** `count` consecutive dates (YYYY-MM-DD) from `first` on: a file spanning months or years. */
export function consecutiveDates(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from(
    { length: count },
    (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10),
  );
}

// Europe/Paris springs forward on the last Sunday of March.
function isSpringForward(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`);
  return day.getUTCMonth() === 2 && day.getUTCDay() === 0 && day.getUTCDate() > 24;
}

export interface XlsOptions {
  nature?: keyof typeof NATURE_TEXT;
  header?: string[];
  perimeter?: string;
  footer?: boolean;
}

/** The text of an éCO2mix `.xls` (before Latin-1 encoding). */
export function eco2mixText(rows: QuarterHourRow[], options: XlsOptions = {}): string {
  const header = options.header ?? V36_HEADER;
  const nature = NATURE_TEXT[options.nature ?? "definitive"];
  const lines = rows.map((row) => {
    const fields = [options.perimeter ?? "France", nature, row.date, row.time, row.consumption];
    // Forecast columns are filled on every row, the rest only where consumption is.
    fields.push("56800", "58900");
    while (fields.length < header.length) fields.push(row.consumption === "" ? "" : "12");
    return fields.join("\t") + "\t";
  });
  const footer = options.footer === false ? "" : `${DISCLAIMER}\n\n`;
  return `${header.join("\t")}\n${lines.join("\n")}\n${footer}`;
}

export function eco2mixXls(
  rows: QuarterHourRow[],
  options: XlsOptions = {},
): Uint8Array<ArrayBuffer> {
  return latin1(eco2mixText(rows, options));
}

export function latin1(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new Error(`"${text[i]}" has no ISO-8859-1 byte`);
    bytes[i] = code;
  }
  return bytes;
}

/** A zip holding one entry, as RTE serves its files. */
export function zipOf(entryName: string, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(zipSync({ [entryName]: bytes }));
}

/** An ODRÉ CSV export (UTF-8, `;`, CRLF), field-name header unless `labels`. */
export function odreCsv(
  rows: Array<{ date: string; heure: string; dateHeure: string; consommation: string }>,
  labels = false,
): Uint8Array {
  const header = labels
    ? "Périmètre;Nature;Date;Heure;Date - Heure;Consommation (MW);Prévision J-1 (MW);Prévision J (MW)"
    : "perimetre;nature;date;heure;date_heure;consommation;prevision_j1;prevision_j";
  const lines = rows.map((row) =>
    `France;Données temps réel;${row.date};${row.heure};${row.dateHeure};${row.consommation};50100;51400`
  );
  return new TextEncoder().encode([header, ...lines].join("\r\n") + "\r\n");
}
