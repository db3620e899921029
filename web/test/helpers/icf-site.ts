/**
 * A customer's site on its own origin that runs a HyperChat integration on icf.sdk.js the way
 * Inbenta's bot adapter does (hyperchat-bot-adapter, lib/HCAdapter.js): ICF.init, a user through
 * ICF.Api.request('/users', 'POST'), Lobby.init, Chat.init, the chat's events, searchAgent,
 * sendMessage with onCreated, and after a reload the chat found again through the `i.cc` cookie.
 * The test drives it through `window.integration`; every ICF event lands in `window.icfLog`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The integration, plain browser JavaScript (no build step, as customers write it). */
function integration(appId: string, serverUrl: string, where: 'server-and-port' | 'script-origin'): string {
  const { hostname, port, protocol } = new URL(serverUrl);
  const conf =
    where === 'server-and-port'
      ? { appId, server: `${protocol}//${hostname}`, port: Number(port) }
      : { appId };
  return `
(function () {
  var conf = ${JSON.stringify(conf)};
  var log = (window.icfLog = []);
  var chat = null;
  function record(name) { return function (data) { log.push({ name: name, data: data }); }; }
  function listen(c) {
    chat = c;
    c.on('user:joined', record('user:joined'))
      .on('user:left', record('user:left'))
      .on('user:activity', record('user:activity'))
      .on('message:received', record('message:received'))
      .on('message:read', record('message:read'))
      .on('chat:closed', record('chat:closed'))
      .on('chat:intervened', record('chat:intervened'))
      .on('forever:alone', record('forever:alone'));
    ICF.Lobby.addEventListener('system:info', record('system:info'));
  }
  function caught(error) {
    return { body: error, code: error && error.code, message: error && error.message };
  }
  window.integration = {
    isChatOpen: function () { return document.cookie.split('; ').some(function (c) { return c.indexOf('i.cc=') === 0; }); },
    load: function () {
      return ICF.init(conf).then(function () { return ICF.isInit; });
    },
    escalate: function (user, chatData) {
      return ICF.Api.request('/users', 'POST', user)
        .then(function (res) { return ICF.Lobby.init({ id: res.data.user.id, token: res.data.session.token }); })
        .then(function () { return ICF.Chat.init(chatData); })
        .then(function (c) { listen(c); return c.searchAgent(); })
        .then(function (res) {
          return { chatId: chat.id, agent: res.agent, me: ICF.Connection.me(), token: ICF.Connection.getToken(),
                   logged: ICF.Lobby.logged, users: chat.users };
        });
    },
    anotherChat: function (chatData) {
      return ICF.Chat.init(chatData).then(function () { return 'resolved'; }, caught);
    },
    send: function (text) {
      var created = [];
      return chat.sendMessage(text, function (eventId, t, sender) { created.push({ eventId: eventId, text: t, sender: sender }); })
        .then(function (result) { return { created: created, result: result }; });
    },
    sendMedia: function (name, text) {
      var progress = [];
      var file = new File([text], name, { type: 'text/plain' });
      return chat.sendMedia(file, function (p) { progress.push(p); })
        .then(function (result) { return { progress: progress, result: result }; });
    },
    monitor: function () {
      ICF.Helper.monitorUserActivity(document.getElementById('inbenta-bot-input'), chat, 100, 3);
    },
    restore: function () {
      var chats = ICF.Lobby.getUserChats();
      var id = Object.keys(chats).shift();
      if (!id) return { id: null, logged: ICF.Lobby.logged };
      var c = ICF.Lobby.chats[id];
      listen(c);
      return { id: id, closed: c.closed, users: c.users, logged: ICF.Lobby.logged,
               unread: c.readAnyUnreadMessageFromHistory() };
    },
    userChats: function () {
      return ICF.Events.send('users:chats', { userId: ICF.Connection.me().id });
    },
    api: function (path, method, params) {
      return ICF.Api.request(path, method, params).then(function (r) { return r; }, caught);
    },
    close: function () { return chat.close(); },
    openChats: function () { return Object.keys(ICF.Lobby.getUserChats()); },
  };
})();`;
}

export interface Site {
  server: Server;
  origin: string;
  /**
   * What the site's pages load: set once the app exists. `where`: the integration gives `ICF.init` the
   * server and port (as Inbenta's adapter does), or neither (the SDK uses the script's origin).
   */
  configure(appId: string, serverUrl: string, where?: 'server-and-port' | 'script-origin'): void;
}

/** The customer's site: one page with the bot's input, the SDK's script tag and the integration. */
export async function icfSite(): Promise<Site> {
  let script = '';
  let sdk = '';
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>` +
        `<input id="inbenta-bot-input" aria-label="Message">` +
        `<script id="inbenta-jssdk" src="${sdk}"></script><script>${script}</script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    configure(appId, serverUrl, where = 'server-and-port') {
      sdk = `${serverUrl}/icf.sdk.js`;
      script = integration(appId, serverUrl, where);
    },
  };
}
