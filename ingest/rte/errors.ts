/** A file that cannot be ingested; the message names the file and, when known, the line. */
export class RteFormatError extends Error {
  constructor(readonly file: string, detail: string, readonly line?: number) {
    super(
      line === undefined ? `${file}: ${detail}` : `${file}: line ${line}: ${detail}`,
    );
    this.name = "RteFormatError";
  }
}
