// @ts-check
/** Pure: results → a latency CDF as a hand-written SVG (log-scale latency axis, one line per contender). */
import { scenario } from "./report.mjs";

const COLORS = {
  newsnotify: "#1f62b4",
  inotifywait: "#e8710a",
  channel: "#2b9a3e",
  feed: "#8e44ad",
};
const W = 760;
const PLOT_H = 336;
const M = { left: 64, right: 24, top: 48, bottom: 56 };

/** @param {string} s */
const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * @param {any} r one run's results @param {number} [run] which run it is, of `of` (for the title)
 * @param {number} [of]
 */
export function cdfSvg(r, run = 1, of = 1) {
  const series = Object.entries(r.contenders).filter(([, c]) => /** @type {any} */ (c).cdf.length);
  const all = series.flatMap(([, c]) =>
    /** @type {any} */ (c).cdf.map((/** @type {number[]} */ p) => p[0]),
  );
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(...all.filter((x) => x > 0), 1))));
  const hi = Math.ceil(Math.log10(Math.max(...all, 10)));
  const pw = W - M.left - M.right;
  const ph = PLOT_H;
  const H = M.top + ph + M.bottom + 18 * series.length + 12;
  const x = (/** @type {number} */ ms) =>
    M.left + ((Math.log10(Math.max(ms, 10 ** lo)) - lo) / (hi - lo)) * pw;
  const y = (/** @type {number} */ frac) => M.top + (1 - frac) * ph;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Creation → notification latency, ${esc(scenario(r))}${of > 1 ? ` (run ${run} of ${of})` : ""}</text>`,
  ];
  // Grid and axes: decades (with 2× and 5× minor lines) across, tenths up.
  for (let d = lo; d <= hi; d++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** d;
      if (v > 10 ** hi) continue;
      const gx = x(v).toFixed(1);
      out.push(
        `<line x1="${gx}" y1="${M.top}" x2="${gx}" y2="${M.top + ph}" stroke="${k === 1 ? "#ccc" : "#eee"}"/>`,
      );
      if (k === 1 || hi - lo <= 3) {
        out.push(
          `<text x="${gx}" y="${M.top + ph + 18}" text-anchor="middle">${+v.toPrecision(2)}</text>`,
        );
      }
    }
  }
  for (let i = 0; i <= 10; i++) {
    const gy = y(i / 10).toFixed(1);
    out.push(
      `<line x1="${M.left}" y1="${gy}" x2="${M.left + pw}" y2="${gy}" stroke="${i % 5 ? "#eee" : "#ccc"}"/>`,
    );
    out.push(`<text x="${M.left - 8}" y="${Number(gy) + 4}" text-anchor="end">${i * 10}%</text>`);
  }
  const y99 = y(0.99).toFixed(1);
  out.push(
    `<line x1="${M.left}" y1="${y99}" x2="${M.left + pw}" y2="${y99}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  out.push(
    `<text x="${M.left + pw - 4}" y="${Number(y99) + 14}" text-anchor="end" fill="#666">p99</text>`,
  );
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
  );
  out.push(
    `<text x="${M.left + pw / 2}" y="${M.top + ph + 40}" text-anchor="middle">latency, ms (log scale): file created by innd → notification received</text>`,
  );
  out.push(
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">articles notified within</text>`,
  );
  // One step line per contender.
  for (const [name, c] of series) {
    const color = COLORS[/** @type {keyof typeof COLORS} */ (name)] ?? "#888";
    let d = `M${x(/** @type {any} */ (c).cdf[0][0]).toFixed(1)},${y(0).toFixed(1)}`;
    let prev = 0;
    for (const [ms, frac] of /** @type {any} */ (c).cdf) {
      d += `V${y(prev).toFixed(1)}H${x(ms).toFixed(1)}V${y(frac).toFixed(1)}`;
      prev = frac;
    }
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
  }
  // Legend under the plot: curves can be anywhere inside it.
  const lx = M.left + 8;
  let ly = M.top + ph + M.bottom + 14;
  for (const [name, c] of series) {
    const cc = /** @type {any} */ (c);
    const color = COLORS[/** @type {keyof typeof COLORS} */ (name)] ?? "#888";
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`,
    );
    const miss = cc.missed ? `, ${cc.missed} missed` : "";
    out.push(
      `<text x="${lx + 30}" y="${ly}">${esc(cc.label)}: p50 ${cc.latencyMs.p50?.toFixed(2)} ms, p99 ${cc.latencyMs.p99?.toFixed(2)} ms${miss}</text>`,
    );
    ly += 18;
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
