import { describe, expect, it } from "vitest";
import { OutputTail } from "../../src/process/output-tail.js";

describe("OutputTail", () => {
  const cases: {
    name: string;
    lines: string[];
    maxLines?: number;
    maxChars?: number;
    want: string;
  }[] = [
    { name: "nothing printed", lines: [], want: "" },
    { name: "blank lines skipped", lines: ["", "  "], want: "" },
    { name: "lines joined", lines: ["a", "b"], want: "a | b" },
    { name: "only the last lines", lines: ["1", "2", "3", "4"], maxLines: 2, want: "... | 3 | 4" },
    {
      name: "character budget drops old lines",
      lines: ["aaaa", "bbbb"],
      maxChars: 6,
      want: "... | bbbb",
    },
    {
      name: "one huge line is cut from the front",
      lines: ["x".repeat(50)],
      maxChars: 10,
      want: `...${"x".repeat(7)}`,
    },
  ];
  it.each(cases)("$name", ({ lines, maxLines, maxChars, want }) => {
    const tail = new OutputTail(maxLines, maxChars);
    for (const line of lines) tail.push(line);
    expect(tail.text()).toBe(want);
  });
});
