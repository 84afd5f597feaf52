/**
 * Light/dark follows the operating system: `.dark` on <html> while it prefers dark.
 * No inline script in index.html on purpose: the server's Content-Security-Policy allows only our own scripts.
 */
export function followSystemTheme(root: HTMLElement = document.documentElement): () => void {
  if (typeof window.matchMedia !== 'function') return () => {};
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const apply = () => root.classList.toggle('dark', query.matches);
  apply();
  query.addEventListener('change', apply);
  return () => query.removeEventListener('change', apply);
}
