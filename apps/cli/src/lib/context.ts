import type { Io } from './io';

/** Shared by every command of one `run()`: the outside world, and the exit code to end with. */
export interface CommandContext {
  io: Io;
  /** Set by a command that finished its work but must report failure (e.g. a broken audit chain). */
  exitCode: number;
}
