import { chooseFor, gatherHost, loadSetup, programContext } from "../flow/setup.js";
import type { SourceSetting } from "../sources/registry.js";

export interface ScriptOptions {
  config?: string;
  mode?: SourceSetting;
  depth?: number;
  out: NodeJS.WritableStream;
}

/** `newsnotify script`: prints the bpftrace program that `watch` would run here. */
export async function script(opts: ScriptOptions): Promise<void> {
  const setup = await loadSetup(opts.config);
  const host = await gatherHost(setup);
  const { source, reason } = chooseFor(setup, host, opts.mode);
  const program = source.program(await programContext(setup, host, opts.depth));
  const depth = program.depth > 0 ? `; unroll depth ${program.depth}` : "";
  opts.out.write(`// mode ${source.name}: ${reason}${depth}\n${program.text}`);
}
