import { buildProgram, loadSetup } from "../flow/setup.js";
import { kernelFacts } from "../system/facts.js";
import { chooseMode, type ModeSetting } from "../system/mode.js";

export interface ScriptOptions {
  config?: string;
  mode?: ModeSetting;
  depth?: number;
  out: NodeJS.WritableStream;
}

/** `newsnotify script`: prints the bpftrace program that `watch` would run here. */
export async function script(opts: ScriptOptions): Promise<void> {
  const setup = await loadSetup(opts.config);
  const kernel = await kernelFacts();
  const { mode, reason } = chooseMode(opts.mode ?? setup.config.mode, kernel);
  const { program, depth } = await buildProgram(setup, mode, kernel, opts.depth);
  opts.out.write(`// mode ${mode}: ${reason}; unroll depth ${depth}\n${program}`);
}
