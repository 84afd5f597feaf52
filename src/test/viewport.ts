import { vi } from 'vitest';

/**
 * jsdom lays nothing out and has no matchMedia: this one answers `(min-width: …)` / `(max-width: …)` queries
 * (px or rem at 16 px) for a window `widthPx` wide. Undone by vi.unstubAllGlobals() after each test.
 */
export function stubViewportWidth(widthPx: number): void {
  vi.stubGlobal('matchMedia', (query: string): MediaQueryList => {
    const match = /\((min|max)-width:\s*([\d.]+)(px|rem)\)/.exec(query);
    if (!match) throw new Error(`stubViewportWidth cannot answer ${query}`);
    const limitPx = Number(match[2]) * (match[3] === 'rem' ? 16 : 1);
    const matches = match[1] === 'min' ? widthPx >= limitPx : widthPx <= limitPx;
    return {
      matches,
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    };
  });
}
