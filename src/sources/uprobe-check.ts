import type { InndBinaryFacts } from "../system/host.js";

/**
 * Which uprobe program fits this innd, and the values for its placeholders (scripts/trace.bt,
 * sections uprobe and smstore). Pure: reads system/innd-binary.ts's facts.
 */
export type UprobeChoice =
  | { ok: true; section: "uprobe"; values: { __INND__: string }; detail: string }
  | { ok: true; section: "smstore"; values: { __LIBSTORAGE__: string }; detail: string }
  | { ok: false; reason: string };

/**
 * A path bpftrace takes in a probe spec (`uprobe:PATH:func`, unquoted): absolute, normalised, and
 * only characters that cannot end the spec, start a wildcard or escape the program text.
 */
export function probePathProblem(path: string): string | null {
  if (!path.startsWith("/")) return `${JSON.stringify(path)} is not an absolute path`;
  if (path.length > 1024) return "the path is over 1024 characters";
  if (!/^\/[A-Za-z0-9._+@/-]+$/.test(path)) {
    return `${JSON.stringify(path)} has a character other than A-Z a-z 0-9 . _ + @ / - (a bpftrace probe spec is not quoted)`;
  }
  if (path.split("/").some((s) => s === "." || s === "..")) {
    return `${JSON.stringify(path)} is not normalised`;
  }
  return null;
}

/**
 * InndHisWrite when innd defines it (every stored article, any method, with its Message-ID); else
 * SMstore's return in libinnstorage (x86-64 only: there the returned TOKEN's address is in rax;
 * arm64 returns it through x8, which the callee need not keep); else why neither can work.
 */
export function chooseUprobe(innd: InndBinaryFacts, arch: string = process.arch): UprobeChoice {
  if (!innd.path) return { ok: false, reason: innd.problem ?? "no innd binary found" };
  if (innd.hisWrite) {
    const bad = probePathProblem(innd.path);
    if (bad) return { ok: false, reason: `innd's path: ${bad}` };
    return {
      ok: true,
      section: "uprobe",
      values: { __INND__: innd.path },
      detail: `uprobe on ${innd.path}:InndHisWrite`,
    };
  }
  if (innd.smStore && innd.storageLib) {
    if (arch !== "x64") {
      return {
        ok: false,
        reason: `${innd.path} does not export InndHisWrite, and reading SMstore's returned token needs x86-64 (this is ${arch})`,
      };
    }
    const bad = probePathProblem(innd.storageLib);
    if (bad) return { ok: false, reason: `libinnstorage's path: ${bad}` };
    return {
      ok: true,
      section: "smstore",
      values: { __LIBSTORAGE__: innd.storageLib },
      detail: `uretprobe on ${innd.storageLib}:SMstore (${innd.path} does not export InndHisWrite)`,
    };
  }
  return {
    ok: false,
    reason:
      innd.problem ??
      `${innd.path} exports no InndHisWrite and ${innd.storageLib ?? "no libinnstorage was found that"} exports no SMstore`,
  };
}
