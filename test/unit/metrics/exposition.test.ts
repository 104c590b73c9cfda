/** Prometheus' text exposition format, written by hand: escaping, HELP/TYPE, histograms. */
import { describe, expect, it } from "vitest";
import { escapeLabel, exposition } from "../../../src/metrics/exposition.js";

describe("exposition format", () => {
  it.each([
    ["plain", "plain"],
    ['say "hi"', 'say \\"hi\\"'],
    ["back\\slash", "back\\\\slash"],
    ["two\nlines", "two\\nlines"],
    ["ünïcödé → ok", "ünïcödé → ok"],
  ])("label value %j is written as %j", (raw, escaped) => {
    expect(escapeLabel(raw)).toBe(escaped);
  });

  it("writes HELP/TYPE once per family, a histogram as _bucket/_sum/_count", () => {
    expect(
      exposition([
        { name: "a_total", help: "A\nB", type: "counter", samples: [{ value: 2 }] },
        { name: "g", help: "G", type: "gauge", samples: [] },
        {
          name: "h_seconds",
          help: "H",
          type: "histogram",
          bounds: [0.5, 1],
          samples: [{ labels: { n: 'x"y' }, buckets: [1, 2], count: 3, sum: 4.5 }],
        },
      ]),
    ).toBe(
      [
        "# HELP a_total A\\nB",
        "# TYPE a_total counter",
        "a_total 2",
        "# HELP g G",
        "# TYPE g gauge",
        "# HELP h_seconds H",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{n="x\\"y",le="0.5"} 1',
        'h_seconds_bucket{n="x\\"y",le="1"} 2',
        'h_seconds_bucket{n="x\\"y",le="+Inf"} 3',
        'h_seconds_sum{n="x\\"y"} 4.5',
        'h_seconds_count{n="x\\"y"} 3',
        "",
      ].join("\n"),
    );
  });
});
