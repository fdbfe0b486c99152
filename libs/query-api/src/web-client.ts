// Serves the web client (built by Vite into dist/web) at `/`: hashed assets cached for good,
// index.html revalidated, everything compressed, and any other page path answered with
// index.html, except the server's own routes, which keep their own 404s.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import compression from 'compression';
import express from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_ROUTES = /^\/(v1|docs|docs-json|health|metrics)(\/|$)/;

/** Same-origin everything; the WebSocket too ('self' covers ws: and wss: of this origin). */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** dist/web of the project this module belongs to (from its source in tests, from dist/ when built). */
export function webClientDirectory(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return path.join(directory, 'dist', 'web');
}

export function webClientRouter(directory: string): express.Router {
  const router = express.Router();
  const index = path.join(directory, 'index.html');
  router.use((request, _response, next) => next(SERVER_ROUTES.test(request.path) || (request.method !== 'GET' && request.method !== 'HEAD') ? 'router' : undefined));
  router.use(compression());
  router.use((_request, response, next) => {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use(
    express.static(directory, {
      index: false,
      setHeaders: (response, file) => {
        // Vite names assets by their content hash: a changed file is a new URL.
        const hashed = path.relative(directory, file).startsWith(`assets${path.sep}`);
        response.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  router.use((request, response, next) => {
    // Only a page load (a browser asks for HTML first) gets the page; a path with an extension
    // names a file, and a client asking for anything (`*/*`) gets the protocol's 404.
    if (path.extname(request.path) || request.accepts(['json', 'html']) !== 'html') return next();
    if (!existsSync(index)) {
      response.status(503).type('text/plain').send('The web client is not built: run `npm run build`.\n');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  return router;
}

/** Mounts the web client after the controllers, so it only sees what no route answered. */
@Injectable()
export class WebClientHost implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit() {
    const app = this.host.httpAdapter?.getInstance<express.Express>();
    app?.use(webClientRouter(webClientDirectory()));
  }
}
