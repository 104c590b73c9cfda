// @ts-check
/**
 * Pure: soak results → one SVG of four stacked panels over time: node and bpftrace RSS (MB), node's
 * open file descriptors, the state directory's size (KB), articles fed and received. Fault events
 * are vertical lines across all panels.
 */

const W = 820;
const PANEL_H = 150;
const GAP = 34;
const M = { left: 70, right: 150, top: 44, bottom: 40 };

/** @param {string} s */
const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** @param {any} r */
export function soakSvg(r) {
  /** @type {{title: string, series: {name: string, color: string, key: string, scale?: number}[]}[]} */
  const panels = [
    {
      title: "resident memory (MB)",
      series: [
        { name: "node RSS", color: "#1f62b4", key: "nodeRssMb" },
        { name: "node anon", color: "#7aa6e0", key: "nodeAnonMb" },
        { name: "bpftrace RSS", color: "#e8710a", key: "bpftraceRssMb" },
      ],
    },
    { title: "node's open fds", series: [{ name: "fds", color: "#6a3d9a", key: "fds" }] },
    {
      title: "state directory (KB)",
      series: [{ name: "state", color: "#2b9a3e", key: "stateBytes", scale: 1 / 1024 }],
    },
    {
      title: "articles",
      series: [
        { name: "fed", color: "#888", key: "fed" },
        { name: "received", color: "#c0392b", key: "received" },
      ],
    },
  ];
  const samples = /** @type {any[]} */ (r.samples);
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const pw = W - M.left - M.right;
  const H = M.top + panels.length * (PANEL_H + GAP) + M.bottom;
  const x = (/** @type {number} */ t) => M.left + (t / tMax) * pw;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(
      `newsnotify soak: ${r.fed.accepted} articles, ${r.lost} lost, ${r.duplicated} duplicated`,
    )}</text>`,
  ];
  panels.forEach((p, i) => {
    const top = M.top + i * (PANEL_H + GAP);
    const values = p.series.flatMap((s) =>
      samples
        .map((d) => d[s.key])
        .filter((v) => typeof v === "number")
        .map((v) => v * (s.scale ?? 1)),
    );
    const hi = niceMax(Math.max(1, ...values));
    const y = (/** @type {number} */ v) => top + PANEL_H - (v / hi) * PANEL_H;
    out.push(
      `<rect x="${M.left}" y="${top}" width="${pw}" height="${PANEL_H}" fill="none" stroke="#999"/>`,
      `<text x="${M.left}" y="${top - 6}" font-weight="bold">${esc(p.title)}</text>`,
    );
    for (let k = 0; k <= 4; k++) {
      const v = (hi * k) / 4;
      const gy = y(v).toFixed(1);
      out.push(
        `<line x1="${M.left}" y1="${gy}" x2="${M.left + pw}" y2="${gy}" stroke="#eee"/>`,
        `<text x="${M.left - 6}" y="${gy}" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`,
      );
    }
    p.series.forEach((s, j) => {
      const pts = samples
        .filter((d) => typeof d[s.key] === "number")
        .map((d) => `${x(d.t).toFixed(1)},${y(d[s.key] * (s.scale ?? 1)).toFixed(1)}`);
      if (pts.length) {
        out.push(
          `<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${pts.join(" ")}"/>`,
        );
      }
      const ly = top + 14 + j * 16;
      out.push(
        `<line x1="${M.left + pw + 10}" y1="${ly}" x2="${M.left + pw + 28}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
        `<text x="${M.left + pw + 32}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`,
      );
    });
    for (const e of r.events) {
      const ex = x(e.t).toFixed(1);
      out.push(
        `<line x1="${ex}" y1="${top}" x2="${ex}" y2="${top + PANEL_H}" stroke="#c00" stroke-dasharray="3,3"/>`,
      );
    }
  });
  const bottom = M.top + panels.length * (PANEL_H + GAP) - GAP;
  for (let k = 0; k <= 6; k++) {
    const t = (tMax * k) / 6;
    out.push(
      `<text x="${x(t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${Math.round(t / 60)} min</text>`,
    );
  }
  out.push(
    `<text x="${M.left}" y="${bottom + 32}" fill="#c00">dashed: ${esc(
      r.events.map((/** @type {any} */ e) => e.kind).join(", "),
    )}</text>`,
    "</svg>",
  );
  return `${out.join("\n")}\n`;
}

/** @param {number} v */
function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

/** @param {number} v */
function fmt(v) {
  return v >= 1000 ? `${Math.round(v / 100) / 10}k` : `${Math.round(v * 10) / 10}`;
}
