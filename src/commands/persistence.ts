// SAVE BGSAVE LASTSAVE.
import type { CommandSpec } from './command.js';

export const persistenceCommands: CommandSpec[] = [];
