import { prepareStateDir } from "../state/dir.js";
import { HighWater } from "../state/highwater.js";
import { lockStateDir } from "../state/lock.js";
import { Outbox } from "../state/outbox.js";
import { EnvironmentError, errorMessage, UserError } from "../util/errors.js";
import type { Log } from "../util/log.js";

/** The state directory of one run, locked for it, with its outbox and high-water marks. */
export interface RunState {
  dir: string;
  outbox: Outbox;
  marks: HighWater;
  close(): Promise<void>;
}

/** Opens (and locks) the state directory; a directory it refuses is left as it was found. */
export async function openState(stateDir: string, log: Log): Promise<RunState> {
  // Checked before anything is written there.
  const dir = await prepareStateDir(stateDir, { log });
  const unlock = await lockStateDir(dir);
  try {
    const outbox = await Outbox.open(dir, { log });
    const marks = await HighWater.load(dir).catch(async (e: unknown) => {
      await outbox.close();
      throw e;
    });
    return {
      dir,
      outbox,
      marks,
      close: async () => {
        await outbox.close();
        await unlock();
      },
    };
  } catch (e) {
    await unlock();
    if (e instanceof UserError) throw e;
    throw new EnvironmentError(`state directory ${dir}: ${errorMessage(e)}`, { cause: e });
  }
}
