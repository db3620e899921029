/**
 * widget.js — the loader the customer's page embeds (budget: 3 KB gzip). It draws the launcher at once,
 * in a shadow root, and fetches the panel only when the visitor first opens it — or at once when this
 * browser already has a chat going, so the visitor stays connected across page loads.
 */
import type { PanelApi, VisitorDetails, WidgetConfig, WidgetEvent } from './shared.ts';
import { PANEL_HANDOFF } from './shared.ts';
import { accentInk, hasOpenChat, safeColor } from './theme.ts';

/** The panel's content-hashed file name, set by build.ts. */
declare const __SWITCHBOARD_PANEL__: string;

const ICON_CHAT =
  '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
const ICON_DOWN =
  '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.5" d="m6 9 6 6 6-6"/></svg>';

// The host element is pinned with inline !important rules: those beat any rule of the page.
const HOST_STYLE =
  'all:initial!important;position:fixed!important;z-index:2147483000!important;right:0!important;bottom:0!important;display:block!important;width:0!important;height:0!important';

const CSS = `:host{all:initial}
.l{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;background:var(--sb-accent);color:var(--sb-ink);box-shadow:0 4px 14px rgba(0,0,0,.3);display:grid;place-items:center;padding:0;font:600 13px/1 system-ui,sans-serif}
.l:focus-visible{outline:3px solid #1b1b1f;outline-offset:3px;box-shadow:0 0 0 6px #fff}
.l[aria-busy=true]{opacity:.8;cursor:progress}
.b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#b3261e;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}
.b:empty{display:none}.i{display:grid}
@media (max-width:480px){:host([data-open]) .l{display:none}}`;

function readConfig(script: HTMLScriptElement): WidgetConfig {
  const data = script.dataset;
  const room = Number(data.room);
  return {
    baseUrl: new URL(script.src, location.href).origin,
    appId: data.appId ?? '',
    domainKey: data.key || undefined,
    room: Number.isInteger(room) && room > 0 ? room : undefined,
    lang: data.lang || undefined,
    title: data.title || 'Chat with us',
    color: data.color || undefined,
  };
}

function start(script: HTMLScriptElement): void {
  const config = readConfig(script);
  const handlers = new Map<WidgetEvent, Set<(data: unknown) => void>>();
  const emit = (event: WidgetEvent, data?: unknown) => {
    for (const handler of handlers.get(event) ?? []) {
      try {
        handler(data);
      } catch (error) {
        console.error('Switchboard: an on() handler failed', error);
      }
    }
  };

  const host = document.createElement('switchboard-widget');
  host.setAttribute('style', HOST_STYLE);
  const root = host.attachShadow({ mode: 'open' });
  const accent = safeColor(config.color);
  root.innerHTML = `<style>${CSS}:host{--sb-accent:${accent};--sb-ink:${accentInk(accent)}}</style><div class="p"></div><button class="l" type="button" aria-label="Open chat" aria-expanded="false"><span class="i">${ICON_CHAT}</span><span class="b" aria-hidden="true"></span></button>`;
  const launcher = root.querySelector('button') as HTMLButtonElement;
  const badge = root.querySelector('.b') as HTMLElement;
  const icon = root.querySelector('.i') as HTMLElement;
  const container = root.querySelector('.p') as HTMLElement;
  document.body.append(host);

  let user: VisitorDetails = {};
  let panel: PanelApi | undefined;
  let loading: Promise<PanelApi> | undefined;
  let open = false;

  const load = (): Promise<PanelApi> => {
    loading ??= new Promise<PanelApi>((resolve, reject) => {
      window[PANEL_HANDOFF] = (mount) => {
        panel = mount({
          config,
          container,
          root,
          user,
          emit: (event, data) => {
            if (event === 'unread') badge.textContent = Number(data) > 0 ? String(data) : '';
            emit(event, data);
          },
          requestClose: () => setOpen(false),
        });
        resolve(panel);
      };
      const tag = document.createElement('script');
      tag.src = `${config.baseUrl}/widget/${__SWITCHBOARD_PANEL__}`;
      tag.async = true;
      tag.onerror = () => {
        loading = undefined;
        reject(new Error('The chat could not be loaded'));
      };
      document.head.append(tag);
    });
    return loading;
  };

  const setOpen = (next: boolean) => {
    if (next === open && (panel || !next)) return;
    open = next;
    launcher.setAttribute('aria-expanded', String(next));
    launcher.setAttribute('aria-label', next ? 'Minimize chat' : 'Open chat');
    icon.innerHTML = next ? ICON_DOWN : ICON_CHAT;
    host.toggleAttribute('data-open', next);
    if (!next) {
      panel?.setOpen(false);
      launcher.focus();
      emit('close');
      return;
    }
    launcher.setAttribute('aria-busy', 'true');
    load()
      .then((api) => {
        if (open) api.setOpen(true);
        emit('open');
      })
      .catch((error: Error) => {
        open = false;
        host.removeAttribute('data-open');
        icon.innerHTML = ICON_CHAT;
        launcher.setAttribute('aria-expanded', 'false');
        launcher.setAttribute('aria-label', 'Open chat');
        launcher.title = error.message;
      })
      .finally(() => launcher.removeAttribute('aria-busy'));
  };

  launcher.addEventListener('click', () => setOpen(!open));
  launcher.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && open) setOpen(false);
  });

  window.Switchboard = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    on(event, handler) {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set);
      set.add(handler);
      return () => set.delete(handler);
    },
    setUser(details) {
      user = { ...user, ...details };
      panel?.setUser(user);
    },
  };
  // A chat already going in this browser: connect now, so the visitor stays present and sees unread.
  if (hasOpenChat(config.appId)) void load().catch(() => undefined);
  emit('ready');
}

const script =
  (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>('script[data-app-id][src*="widget.js"]');
if (script && !window.Switchboard) {
  if (document.body) start(script);
  else document.addEventListener('DOMContentLoaded', () => start(script));
}
