/**
 * Every server test ends on real timers. Test files share one module graph per worker (vitest.config.ts:
 * isolate off), so a fake clock one test left on would reach the next file. Loaded as a Vitest setup file.
 */
import { afterEach, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});
