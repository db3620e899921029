import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { listApps, oldestAppNamed } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import { sendError } from './errors.ts';
import { cspOfPageFile, setPageHeaders } from './page-headers.ts';
import type { Http } from './types.ts';

/** Where `npm run build --workspace web` writes the apps (layout in web/README.md). */
export const WEB_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** The folders of web/dist served as they are; each has an index.html where it is an app. */
const FOLDERS = ['console', 'admin', 'demo', 'widget', 'assets'] as const;
/** The scripts at the root of web/dist, each under a stable URL: the widget's loader, icf.sdk.js. */
const STABLE_SCRIPTS = ['widget.js', 'icf.sdk.js'] as const;
/** The folders that are pages (an index.html at their root). */
const APPS = ['console', 'admin', 'demo'] as const;

// Content-hashed files never change under their name; everything else is revalidated (ETag) on each use,
// so a new build is seen at once while an unchanged file costs a 304.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const HASHED = /[-.][A-Za-z0-9_-]{8}\.(?:js|css|woff2?|svg|png|mp3|wav)$/;

/**
 * A page's security headers (docs/security.md, Headers). The demo page embeds the widget, which
 * styles its shadow root with an inline `<style>`; the widget's own files (scripts loaded into other
 * sites) get no page policy.
 */
function pageHeaders(reply: FastifyReply, file: string): void {
  setPageHeaders(reply, cspOfPageFile(file, { inlineStyles: basename(dirname(file)) === 'demo' }));
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return sendError(
    reply,
    503,
    'The web apps are not built: run `npm run build --workspace web` (npm start does it before starting)',
  );
}

/**
 * The web apps (docs/web.md, docs/widget.md) from web/dist: /console/, /admin/, /demo/, /widget.js, /widget/*,
 * /icf.sdk.js (docs/icf.md)
 * and the shared /assets/*. Also /console/app.json, which tells the sign-in pages the app id to prefill
 * when the server holds exactly one app (docs/web.md).
 */
export async function installWeb(http: Http, ctx: Ctx, dist: string = WEB_DIST): Promise<void> {
  // reply.sendFile comes from the first static root registered, whichever folders exist.
  let decorated = false;
  for (const folder of FOLDERS) {
    const root = join(dist, folder);
    // @fastify/static refuses a missing root; an unbuilt folder answers 503 below instead.
    if (!existsSync(root)) {
      http.get(`/${folder}/*`, { schema: { hide: true } }, async (_request, reply) => notBuilt(reply));
      continue;
    }
    await http.register(fastifyStatic, {
      root,
      prefix: `/${folder}/`,
      decorateReply: !decorated,
      index: ['index.html'],
      cacheControl: false,
      schemaHide: true,
      setHeaders(reply, path) {
        reply.header('cache-control', HASHED.test(path) ? IMMUTABLE : REVALIDATE);
        reply.header('x-content-type-options', 'nosniff');
        if (path.endsWith('.html')) pageHeaders(reply, path);
        // The widget's scripts load on customers' pages, also those that require CORP (COEP).
        if (folder === 'widget') reply.header('cross-origin-resource-policy', 'cross-origin');
      },
    });
    decorated = true;
  }
  // The router ignores trailing slashes, so /console/ arrives as /console, which no wildcard matches.
  for (const folder of APPS) {
    http.get(`/${folder}`, { schema: { hide: true } }, async (_request, reply) => {
      if (!existsSync(join(dist, folder, 'index.html'))) return notBuilt(reply);
      reply.header('cache-control', REVALIDATE);
      pageHeaders(reply, join(dist, folder, 'index.html'));
      return reply.sendFile('index.html', join(dist, folder));
    });
  }
  // The widget's loader and HyperChat's browser SDK (docs/icf.md) keep one stable URL each (pasted into
  // customers' pages), so they are revalidated; classic scripts, loadable by any site (CORP cross-origin).
  for (const script of STABLE_SCRIPTS) {
    http.get(`/${script}`, { schema: { hide: true } }, async (_request, reply) => {
      if (!existsSync(join(dist, script))) return notBuilt(reply);
      reply.header('cache-control', REVALIDATE);
      reply.header('cross-origin-resource-policy', 'cross-origin');
      return reply.sendFile(script, dist);
    });
  }
  // The demo page embeds the widget for the Demo app made on first start (the oldest app of that name).
  // Its id is all the page needs: the app lists no domains and does not require its domain key.
  http.get('/demo/config.json', { schema: { hide: true } }, async (_request, reply) => {
    const demo = await oldestAppNamed(ctx.store.db, 'Demo');
    reply.header('cache-control', 'no-store');
    if (!demo) return sendError(reply, 404, 'This server has no Demo app');
    return { appId: demo.id, name: demo.name };
  });
  http.get('/console/app.json', { schema: { hide: true } }, async (_request, reply) => {
    // Two rows are enough to tell "exactly one app" from "several".
    const { apps } = await listApps(ctx.store.db, { limit: 2 });
    reply.header('cache-control', 'no-store');
    return { appId: apps.length === 1 ? apps[0]!.id : null };
  });
}
