/**
 * widget/panel-<hash>.js — the visitor's chat panel, loaded by widget.js on first open and rendered into its
 * shadow root (the page's CSS cannot reach it). Built as one classic script that hands itself over
 * through `window[PANEL_HANDOFF]`.
 */
import { render } from 'preact';
import tokens from '../../src/ui/tokens.css?inline';
import { PANEL_HANDOFF, type PanelHost, type PanelMount } from '../shared.ts';
import { accentInk, safeColor } from '../theme.ts';
import { VisitorChat } from './chat.ts';
import { Panel } from './Panel.tsx';
import css from './panel.css?inline';
import { followVisualViewport } from './viewport.ts';

const mount: PanelMount = (host: PanelHost) => {
  const style = document.createElement('style');
  const accent = safeColor(host.config.color);
  style.textContent = `${tokens}\n${css}\n:host{--sb-accent:${accent};--sb-on-accent:${accentInk(accent)}}`;
  host.root.prepend(style);
  const chat = new VisitorChat(host.config, host.user, host.emit);
  let open = false;
  const draw = () =>
    render(
      <Panel chat={chat} title={host.config.title} open={open} onClose={host.requestClose} />,
      host.container,
    );
  draw();
  followVisualViewport(host.container);
  document.addEventListener('visibilitychange', () =>
    chat.setVisible(open && document.visibilityState === 'visible'),
  );
  void chat.init();
  return {
    setOpen(next) {
      open = next;
      chat.setVisible(next);
      draw();
    },
    setUser: (user) => chat.setUser(user),
  };
};

const handoff = window[PANEL_HANDOFF];
if (handoff) handoff(mount);
