import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// input-otp looks for password-manager badges with document.elementFromPoint, which jsdom does not implement.
if (typeof document.elementFromPoint !== 'function') document.elementFromPoint = () => null;

// findBy* and waitFor wait for conditions, never fixed times; on two cores shared with the server suites a lazy
// page can take longer than the default 1 s to load, so allow 5 s before calling it a failure.
configure({ asyncUtilTimeout: 5_000 });

// globals are off, so Testing Library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});
