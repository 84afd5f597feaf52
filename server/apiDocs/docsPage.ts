/**
 * The page at /api/docs: Swagger UI (the prebuilt swagger-ui-dist bundle, served from node_modules, so the
 * page works offline and loads nothing from a CDN) rendering /api/openapi.json. The page has no inline script:
 * its start script is a file too, so the app's Content-Security-Policy (`script-src 'self'`) holds as it is.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Starts Swagger UI on the page; no validator badge (it would call an outside service). */
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>SMS OTP API reference</title>
    <link rel="stylesheet" href="/api/docs/swagger-ui.css" />
  </head>
  <body>
    <main id="swagger-ui"></main>
    <script src="/api/docs/swagger-ui-bundle.js"></script>
    <script src="/api/docs/start.js"></script>
  </body>
</html>
`;

type DocsAsset = { type: string } & ({ file: string } | { body: string });

/** What GET /api/docs/{asset} serves, by name; nothing else of node_modules is reachable. */
export const DOCS_ASSETS = {
  'swagger-ui.css': { type: 'text/css', file: path.join(SWAGGER_UI_DIR, 'swagger-ui.css') },
  'swagger-ui-bundle.js': { type: 'application/javascript', file: path.join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js') },
  'start.js': { type: 'application/javascript', body: START_SCRIPT },
} satisfies Record<string, DocsAsset>;

export type DocsAssetName = keyof typeof DOCS_ASSETS;
export const DOCS_ASSET_NAMES = Object.keys(DOCS_ASSETS) as [DocsAssetName, ...DocsAssetName[]];

export function docsAsset(name: string): DocsAsset | undefined {
  return Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name as DocsAssetName] : undefined;
}
