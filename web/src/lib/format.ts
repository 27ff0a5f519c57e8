/** Number and date formatting in the browser's locale (French, English, …). */
const formats = new Map<number, Intl.NumberFormat>();

export function formatNumber(value: number, fractionDigits = 0): string {
  let format = formats.get(fractionDigits);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    formats.set(fractionDigits, format);
  }
  return format.format(value);
}

/** `2018-10-28T02:30:00+01:00` → `02:30`: the wall-clock time the API already gives. */
export function clockTime(iso: string): string {
  return iso.slice(11, 16);
}

/** `2018-10-28T02:30:00+01:00` → `+01:00`; tells the two 02:30s of an autumn day apart. */
export function utcOffset(iso: string): string {
  return iso.slice(19) === "Z" ? "+00:00" : iso.slice(19);
}

/** A date-time in the browser's locale, shown in a named zone. */
export function formatDateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

/** A calendar day (`2012-01-01`) in the browser's locale: `Jan 1, 2012`, `1 janv. 2012`. */
export function formatDay(day: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" })
    .format(new Date(`${day}T00:00:00Z`));
}
