// Sets.
import type { CommandSpec } from './command.js';

export const setCommands: CommandSpec[] = [];
