import Color from 'colorjs.io';
import themeCss from '@/index.css?raw';

export type ColourScheme = 'light' | 'dark';

/** The `--name: value` custom properties of one block of src/index.css (`:root` or `.dark`). */
function customProperties(selector: string): Map<string, string> {
  const start = themeCss.indexOf(`${selector} {`);
  if (start === -1) throw new Error(`src/index.css has no ${selector} block`);
  const block = themeCss.slice(start, themeCss.indexOf('}', start));
  return new Map([...block.matchAll(/--([\w-]+):\s*([^;]+);/g)].map((match) => [match[1]!, match[2]!.trim()]));
}

const THEMES: Record<ColourScheme, Map<string, string>> = {
  light: customProperties(':root'),
  dark: new Map([...customProperties(':root'), ...customProperties('.dark')]),
};

/**
 * The colour a Tailwind theme class such as `text-muted-foreground` or `bg-muted` gives `element`, read from
 * its class list (a `dark:` variant wins in the dark scheme) and resolved to the value in src/index.css.
 */
export function themeColour(element: Element, utility: 'text' | 'bg', scheme: ColourScheme): Color {
  const theme = THEMES[scheme];
  const classes = [...element.classList];
  const candidates =
    scheme === 'dark' ? [...classes.filter((c) => c.startsWith('dark:')).map((c) => c.slice(5)), ...classes] : classes;
  for (const name of candidates) {
    if (!name.startsWith(`${utility}-`)) continue;
    const value = theme.get(name.slice(utility.length + 1));
    if (value !== undefined) return new Color(value);
  }
  throw new Error(
    `no ${utility}-<theme colour> class on <${element.tagName.toLowerCase()} class="${element.className}">`,
  );
}

/** WCAG 2.1 contrast ratio of the element's text colour on its background, both from theme classes. */
export function themeContrast(element: Element, scheme: ColourScheme): number {
  return themeColour(element, 'text', scheme).contrast(themeColour(element, 'bg', scheme), 'WCAG21');
}
