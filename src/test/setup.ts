import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// input-otp looks for password-manager badges with document.elementFromPoint, which jsdom does not implement.
if (typeof document.elementFromPoint !== 'function') document.elementFromPoint = () => null;

// globals are off, so Testing Library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});
