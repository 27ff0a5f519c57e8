/**
 * 64 bits of two FNV-1a-style 32-bit hashes over integers (or a text's char codes): equal
 * inputs give equal digests in every process. For validators and cache keys, not security.
 */
export class Digest {
  #a = 0x811c9dc5;
  #b = 0x84222325;

  add(value: number): void {
    this.#a = Math.imul(this.#a ^ value, 0x01000193);
    this.#b = Math.imul(this.#b ^ value, 0x5bd1e995);
  }

  addText(text: string): void {
    for (let i = 0; i < text.length; i++) this.add(text.charCodeAt(i));
  }

  /** 16 hex digits. */
  hex(): string {
    return hex32(this.#a) + hex32(this.#b);
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}
