// Lists.
import type { CommandSpec } from './command.js';

export const listCommands: CommandSpec[] = [];
