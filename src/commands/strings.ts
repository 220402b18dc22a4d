// Strings: GET SET and friends.
import type { CommandSpec } from './command.js';

export const stringCommands: CommandSpec[] = [];
