import type { Message } from '../../src/lib/sdk.ts';
import type { VisitorChat } from './chat.ts';
import type { ViewState } from './state.ts';

/** The chat as plain text, read again from the server so it is complete, saved as a file. */
export async function downloadTranscript(chat: VisitorChat, state: ViewState): Promise<void> {
  let messages: Message[];
  try {
    messages = await chat.allMessages();
  } catch {
    // The server is away: what the screen holds is still worth keeping.
    messages = state.lines
      .filter((l) => l.id)
      .map((l) => ({ ...l, id: l.id ?? '', chat: state.chatId ?? '' }));
  }
  const who = (sender: string) =>
    sender === state.me
      ? state.name || 'You'
      : sender === 'system'
        ? 'System'
        : (state.names[sender] ?? 'Agent');
  const lines = messages.map((m) => {
    const when = new Date(m.created * 1000).toLocaleString();
    const text = typeof m.message === 'string' ? m.message : `[file] ${m.message.name}`;
    return `[${when}] ${who(m.sender)}: ${text}`;
  });
  const text = `Chat transcript (${state.chatId})\n\n${lines.join('\n')}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `chat-transcript-${state.chatId ?? 'chat'}.txt`;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
