// Measurements and soak runs kept out of the suite: `npm run test:soak`.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({ test: { ...base.test, include: ['test/**/*.soak.ts'] } });
