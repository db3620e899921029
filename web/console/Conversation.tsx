import { useEffect, useRef, useState } from 'preact/hooks';
import type { Settings } from '../src/lib/sdk.ts';
import { Button, Icon } from '../src/ui/index.ts';
import { useCannedPicker } from './CannedPicker.tsx';
import { ChatTags } from './ChatTags.tsx';
import { MessageItem } from './MessageItem.tsx';
import type { ChatView, ConsoleModel } from './model.ts';
import { NoteToggle } from './Note.tsx';
import { TransferDialog } from './TransferDialog.tsx';

/** Typing pauses longer than this send `not-writing`. */
const TYPING_IDLE_MS = 3000;

/** The open chat: the log of messages, typing and receipts, the composer with attachments, the actions. */
export interface ConversationProps {
  model: ConsoleModel;
  view: ChatView;
  settings: Settings | undefined;
  /** Agents' names by id (messages of colleagues before a transfer). */
  names: Record<string, string>;
}

export function Conversation({ model, view, settings, names }: ConversationProps) {
  const [draft, setDraft] = useState('');
  // Checked: the composer writes internal notes (agents only); the visitor is not told of typing.
  const [note, setNote] = useState(false);
  const [transferring, setTransferring] = useState(false);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [uploading, setUploading] = useState(false);
  const logRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const writing = useRef(false);
  const chatId = view.chat.id;
  const visitorName = view.visitor?.name || 'Visitor';
  const picker = useCannedPicker(model, view, draft, onInput, inputRef);

  useEffect(() => {
    logRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [view.messages.length]);
  useEffect(() => () => clearTimeout(typingTimer.current), []);

  function stopTyping() {
    clearTimeout(typingTimer.current);
    if (writing.current) model.typing(chatId, false);
    writing.current = false;
  }

  function onInput(value: string) {
    setDraft(value);
    if (note) return;
    if (!writing.current && value.trim()) {
      writing.current = true;
      model.typing(chatId, true);
    }
    clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  async function send(event?: Event) {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    stopTyping();
    setDraft('');
    if (!(await model.send(chatId, text, note))) setDraft(text);
  }

  async function attach(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    setFileError(undefined);
    model.clearError();
    if (!file) return;
    setUploading(true);
    // The server checks size and type (413, 403); the model turns its answer into a sentence.
    setFileError(await model.upload(chatId, file, settings?.media));
    setUploading(false);
  }

  return (
    <section class="console__conversation" aria-label={`Chat with ${visitorName}`}>
      <header class="console__chat-header">
        <h2>{visitorName}</h2>
        {view.away ? <span class="sb-hint">connection lost — waiting for them to come back</span> : null}
        <div class="console__actions">
          {view.closed ? (
            <Button variant="secondary" small onClick={() => model.dismiss(chatId)}>
              Dismiss
            </Button>
          ) : (
            <>
              <Button variant="secondary" small onClick={() => setTransferring(true)}>
                Transfer
              </Button>
              <Button variant="danger" small onClick={() => void model.close(chatId)}>
                Close chat
              </Button>
            </>
          )}
        </div>
      </header>
      <ChatTags model={model} view={view} settings={settings} />
      {transferring ? (
        <TransferDialog model={model} chatId={chatId} onDone={() => setTransferring(false)} />
      ) : null}
      <div class="console__log" role="log" aria-label="Messages">
        {view.messages.length === 0 ? <p class="sb-hint console__no-messages">No messages yet.</p> : null}
        <ol class="console__messages" ref={logRef}>
          {view.messages.map((message) => (
            <MessageItem
              key={message.id}
              message={message}
              mine={message.sender === model.me}
              colleague={message.sender !== model.me && message.sender !== view.chat.creator}
              senderName={
                message.sender === model.me
                  ? 'You'
                  : message.sender === view.chat.creator
                    ? visitorName
                    : (names[message.sender] ?? 'Agent')
              }
              read={message.seq <= view.readSeq}
              mediaUrl={(path) => model.mediaUrl(path)}
            />
          ))}
        </ol>
      </div>
      <p class="console__typing" aria-hidden={!view.typing}>
        {view.typing ? `${visitorName} is typing…` : '\u00a0'}
      </p>
      {view.closed ? (
        <p class="console__closed">This chat is closed.</p>
      ) : (
        <form class={`console__composer${note ? ' console__composer--note' : ''}`} onSubmit={send}>
          {fileError ? (
            <p class="sb-error console__file-error" role="alert">
              {fileError}
            </p>
          ) : null}
          <label class="sb-btn sb-btn--secondary console__attach" title="Attach a file">
            <Icon name="attach" />
            <span class="sb-visually-hidden">Attach a file</span>
            <input
              type="file"
              class="sb-visually-hidden"
              disabled={uploading}
              onChange={(e) => void attach(e.currentTarget)}
            />
          </label>
          {picker.listbox}
          {picker.button}
          <textarea
            ref={inputRef}
            class="sb-textarea console__input"
            aria-label="Message"
            {...picker.inputProps}
            rows={2}
            value={draft}
            placeholder={
              note
                ? 'Write an internal note — only agents see it'
                : 'Write a reply — Enter sends, Shift+Enter adds a line, / inserts a canned response'
            }
            onInput={(e) => {
              onInput(e.currentTarget.value);
              picker.track(e.currentTarget);
            }}
            onClick={(e) => picker.track(e.currentTarget)}
            onKeyUp={(e) => {
              if (/^(Arrow(Left|Right)|Home|End)$/.test(e.key)) picker.track(e.currentTarget);
            }}
            onBlur={stopTyping}
            onKeyDown={(e) => {
              if (picker.onKeyDown(e)) return;
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) void send(e);
            }}
          />
          <NoteToggle
            checked={note}
            onChange={(checked) => {
              if (checked) stopTyping();
              setNote(checked);
            }}
          />
          <Button type="submit" disabled={!draft.trim()}>
            <Icon name="send" /> Send
          </Button>
        </form>
      )}
    </section>
  );
}
