import { loadSetup, programContext } from "../flow/setup.js";
import { chooseSource, type SourceSetting } from "../sources/registry.js";
import { hostFacts } from "../system/facts.js";

export interface ScriptOptions {
  config?: string;
  mode?: SourceSetting;
  depth?: number;
  out: NodeJS.WritableStream;
}

/** `newsnotify script`: prints the bpftrace program that `watch` would run here. */
export async function script(opts: ScriptOptions): Promise<void> {
  const setup = await loadSetup(opts.config);
  const host = await hostFacts(setup.config.bpftrace);
  const { source, reason } = chooseSource(opts.mode ?? setup.config.mode, host);
  const program = source.program(await programContext(setup, host, opts.depth));
  const depth = program.depth > 0 ? `; unroll depth ${program.depth}` : "";
  opts.out.write(`// mode ${source.name}: ${reason}${depth}\n${program.text}`);
}
