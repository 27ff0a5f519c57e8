/**
 * A CSV answer's text exactly as sent. `Response.text()` drops a leading BOM, and the events
 * CSV starts with one (Excel needs it): byte-identity checks must see it.
 */
export async function csvAsSent(response: Response): Promise<string> {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await response.arrayBuffer());
}
