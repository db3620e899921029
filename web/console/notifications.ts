/**
 * Desktop notifications (docs/web.md, "Notifications"): the console asks for the permission once, on
 * the agent's click (browsers refuse a request without a gesture, and asking on load is rude), and
 * while the tab is hidden shows one notification per invitation or message; a click brings the tab
 * back with that chat.
 */
const ASKED = 'switchboard.console.notificationsAsked';

export class DesktopNotifier {
  /** Whether the "Enable notifications" button makes sense: supported, not decided, not asked yet. */
  canAsk(): boolean {
    if (typeof Notification === 'undefined' || Notification.permission !== 'default') return false;
    try {
      return localStorage.getItem(ASKED) === null;
    } catch {
      return true;
    }
  }

  /** Asks the browser once (call it from a click); resolves to whether notifications may show. */
  async ask(): Promise<boolean> {
    if (typeof Notification === 'undefined') return false;
    try {
      localStorage.setItem(ASKED, '1');
    } catch {
      // Private modes may refuse storage: the button then simply stays.
    }
    return (await Notification.requestPermission()) === 'granted';
  }

  /** Shows a notification when the tab is hidden and the permission is granted; `tag` replaces older ones. */
  notify(title: string, body: string, tag: string, onClick: () => void): void {
    if (!document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted')
      return;
    const shown = new Notification(title, { body, tag });
    shown.onclick = () => {
      window.focus();
      onClick();
      shown.close();
    };
  }
}
