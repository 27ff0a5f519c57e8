import assert from "node:assert/strict";
import { toCsv } from "../lib/csv.ts";

Deno.test("CSV starts with a BOM, uses CRLF and quotes only what needs quoting", () => {
  const csv = toCsv(["id", "title"], [["a1", 'Say "hi", Montréal'], [
    "a2",
    "line\nbreak",
  ]]);
  assert.equal(
    csv,
    '\uFEFFid,title\r\na1,"Say ""hi"", Montréal"\r\na2,"line\nbreak"\r\n',
  );
});

Deno.test("CSV leaves numbers alone but defuses text that a spreadsheet would run", () => {
  const csv = toCsv(["v"], [
    ["=HYPERLINK(1)"],
    ["-12.5"],
    [null],
    [42],
    ["-2+3+cmd|' /C calc'!A0"],
    ["\tx"],
  ]);
  assert.equal(
    csv,
    "\uFEFFv\r\n'=HYPERLINK(1)\r\n-12.5\r\n\r\n42\r\n'-2+3+cmd|' /C calc'!A0\r\n'\tx\r\n",
  );
});
