/**
 * The API reference: GET /openapi.json (the OpenAPI 3.1 document, built once on first request) and GET /docs
 * (a page rendering it, with its script and stylesheet under /docs/{asset}). Mounted under /api by app.ts.
 */
import { Router } from 'express';
import { AppError } from '../http/appError.js';
import { API_OPERATIONS } from './apiOperations.js';
import { docsAsset, DOCS_PAGE_HTML } from './docsPage.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openApiDocument.js';

/** The page's files change only with the installed version: let browsers keep them for an hour. */
const ASSET_MAX_AGE_MS = 3_600_000;

export function createApiDocsRouter(): Router {
  const router = Router();
  let document: OpenApiDocument | undefined;

  router.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(API_OPERATIONS);
    res.json(document);
  });

  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE_HTML);
  });

  router.get('/docs/:asset', (req, res, next) => {
    const asset = docsAsset(req.params.asset);
    if (!asset) return next(new AppError('not_found', 'No such file.'));
    res.type(asset.type);
    if ('file' in asset) return res.sendFile(asset.file, { maxAge: ASSET_MAX_AGE_MS });
    res.set('Cache-Control', `public, max-age=${ASSET_MAX_AGE_MS / 1000}`).send(asset.body);
  });

  return router;
}
