import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { FastifyReply } from 'fastify';

/**
 * The headers of the pages the browser trusts (docs/security.md, Headers): /console/, /admin/,
 * /demo/ and /docs. Scripts come from the server itself only (an inline script of a page only by its
 * hash), nothing may frame the pages, and other sites learn nothing of their URLs.
 */

/**
 * `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` on the pages'
 * own POSTs, which an app holding browsers to its `domains` would refuse.
 */
export const REFERRER_POLICY = 'same-origin';

export interface PagePolicy {
  /** sha256 sources of the page's inline scripts. */
  scriptHashes?: readonly string[];
  /**
   * Inline `<style>` allowed: the demo page has one, and the widget it embeds styles its shadow root
   * with a `<style>` holding the app's colour.
   */
  inlineStyles?: boolean;
  /**
   * Who may frame the page: nobody (absent), or these sources — the survey page alone is framed, by
   * the sites that embed it (docs/surveys.md, "The hosted page").
   */
  frameAncestors?: readonly string[];
}

/** The Content-Security-Policy of a page. */
export function contentSecurityPolicy(policy: PagePolicy = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", ...(policy.scriptHashes ?? [])],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", ...(policy.inlineStyles ? ["'unsafe-inline'"] : [])],
    // data: for the icons written into the pages and the stylesheets; blob: for files the page makes.
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    // 'self' covers the page's own ws:// and wss:// (the realtime socket).
    'connect-src': ["'self'"],
    'media-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': policy.frameAncestors ? [...policy.frameAncestors] : ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/**
 * Sets the page headers on a reply: CSP, no framing (also for browsers without frame-ancestors, unless
 * `framed`: the survey page, whose CSP says who may frame it), referrer, nosniff.
 */
export function setPageHeaders(reply: FastifyReply, csp: string, framed = false): void {
  reply.header('content-security-policy', csp);
  if (!framed) reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', REFERRER_POLICY);
  reply.header('x-content-type-options', 'nosniff');
}

/** The sha256 CSP sources of an HTML document's inline scripts (those without `src`). */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\ssrc\s*=/i.test(match[1] ?? '')) continue;
    hashes.push(
      `'sha256-${createHash('sha256')
        .update(match[2] ?? '', 'utf8')
        .digest('base64')}'`,
    );
  }
  return hashes;
}

const cache = new Map<string, { mtimeMs: number; csp: string }>();

/**
 * The CSP of a built page, from its file: its inline scripts by hash, inline styles where it has
 * them (or `inlineStyles` says so). Read again when the file changes (a rebuild while the server runs).
 */
export function cspOfPageFile(path: string, policy: { inlineStyles?: boolean } = {}): string {
  const { mtimeMs } = statSync(path);
  const key = `${path}#${policy.inlineStyles === true}`;
  const cached = cache.get(key);
  if (cached?.mtimeMs === mtimeMs) return cached.csp;
  const html = readFileSync(path, 'utf8');
  const csp = contentSecurityPolicy({
    scriptHashes: inlineScriptHashes(html),
    inlineStyles: policy.inlineStyles === true || /<style[\s>]/i.test(html),
  });
  cache.set(key, { mtimeMs, csp });
  return csp;
}

/**
 * /docs (Swagger UI): its scripts are files of the server, but they insert `<style>` elements, which
 * Chromium blocks without inline styles.
 */
export const DOCS_CSP = contentSecurityPolicy({ inlineStyles: true });
