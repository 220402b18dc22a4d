// Lets plain `node` run the bench's TypeScript without a build step or an
// extra dependency: `node --import ./bench/register.js bench/run.ts`.
// The hooks in ts-loader.js strip types with the project's own `typescript`.
import { register } from 'node:module';

register('./ts-loader.js', import.meta.url);
