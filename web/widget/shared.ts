/**
 * The contract between the loader (widget.js, on the page at once) and the panel (widget/panel-<hash>.js,
 * fetched on first open). Types only, plus the name of the hand-off: the panel is a classic script that
 * calls `window[PANEL_HANDOFF](mount)`, so neither file needs CORS to load on the customer's origin.
 */

export const PANEL_HANDOFF = '__switchboardPanel' as const;

/** From the embed snippet's data attributes (docs/widget.md). */
export interface WidgetConfig {
  /** Where widget.js came from: the Switchboard server. */
  baseUrl: string;
  appId: string;
  domainKey: string | undefined;
  room: number | undefined;
  lang: string | undefined;
  title: string;
  color: string | undefined;
}

/** What the host page may tell about its visitor (`Switchboard.setUser`). */
export interface VisitorDetails {
  name?: string;
  contact?: string;
  externalId?: string;
}

export type WidgetEvent = 'ready' | 'open' | 'close' | 'chat:started' | 'message' | 'chat:ended' | 'unread';

/** What the loader hands to the panel once it is loaded. */
export interface PanelHost {
  config: WidgetConfig;
  /** The shadow root's element the panel renders into. */
  container: HTMLElement;
  /** The shadow root itself, for the panel's style sheet. */
  root: ShadowRoot;
  user: VisitorDetails;
  /** The panel tells the page's `Switchboard.on` handlers. */
  emit(event: WidgetEvent, data?: unknown): void;
  /** The panel asks the loader to hide it (its minimise button). */
  requestClose(): void;
}

/** What the panel gives back to the loader. */
export interface PanelApi {
  setOpen(open: boolean): void;
  setUser(user: VisitorDetails): void;
}

export type PanelMount = (host: PanelHost) => PanelApi;

/** `window.Switchboard`, the page's handle on the widget (docs/widget.md). */
export interface SwitchboardApi {
  open(): void;
  close(): void;
  /** Returns a function that removes the handler. */
  on(event: WidgetEvent, handler: (data: unknown) => void): () => void;
  setUser(user: VisitorDetails): void;
}

declare global {
  interface Window {
    Switchboard?: SwitchboardApi;
    __switchboardPanel?: (mount: PanelMount) => void;
  }
}
