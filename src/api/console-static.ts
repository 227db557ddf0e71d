// Serves the web console (the Vite build in dist/console) at `/`: hashed assets with a year's cache, index.html
// never cached and answered for every client route, and a Content-Security-Policy that allows only this origin.
// API paths keep their JSON 404s. When the console was not built, `/` says how to build it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ApiError } from './errors.ts';

/** dist/console beside dist/api and src/api alike: both sit two levels below the package root. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** Paths that are the API's, never the console's: an unknown one stays a JSON 404. */
const API_PATH = /^\/(v1|docs|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * A file the build would have served (a missing asset, /favicon.ico): a 404, not the page. Page paths may end in
 * what looks like an extension (/runs/deliveries/f_x.0, /subjects/ada@example.com), so only /assets/… and files at
 * the root count.
 */
const MISSING_FILE = /^\/(assets\/.*|[^/]*\.[a-z0-9]+)$/i;

export function consoleStatic(dir: string = CONSOLE_DIR) {
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => { route.config = { ...(route.config ?? {}), access: 'public' } as typeof route.config; });
    const indexPath = `${dir}index.html`;
    const built = existsSync(indexPath);
    const index = built ? readFileSync(indexPath) : undefined;
    const sendIndex = (reply: FastifyReply) => (index
      ? reply.header('cache-control', 'no-cache').header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin').type('text/html; charset=utf-8').send(index)
      : reply.status(503).header('cache-control', 'no-cache').type('text/plain; charset=utf-8')
        .send('The console is not built. Run `npm run build:console` (npm install does it), then restart `npm start`.\n'));
    app.get('/', async (_request, reply) => sendIndex(reply));
    // Client routes (/events, /rules/abc…) get index.html; the console's router takes it from there.
    app.get('/*', async (request, reply) => {
      if (API_PATH.test(request.url) || MISSING_FILE.test(request.url.split('?')[0])) {
        throw new ApiError('IFTHEN_ERR_NOT_FOUND', [`no route GET ${request.url.split('?')[0]}`]);
      }
      return sendIndex(reply);
    });
    if (!built) return;

    await app.register(fastifyStatic, {
      root: dir, prefix: '/', wildcard: false, index: false, decorateReply: false, cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('content-security-policy', CONSOLE_CSP);
        res.setHeader('x-content-type-options', 'nosniff');
        // Vite names built assets by their content hash: they never change, so they may be kept for a year.
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  };
}
