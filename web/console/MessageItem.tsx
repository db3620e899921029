import { bytes, clock } from '../src/lib/format.ts';
import type { MediaRef, Message } from '../src/lib/sdk.ts';
import { Icon } from '../src/ui/index.ts';
import { NoteTag } from './Note.tsx';

export interface MessageItemProps {
  message: Message;
  mine: boolean;
  /** Another agent's message (before a transfer): shown with their name. */
  colleague: boolean;
  senderName: string;
  /** The other side has read it (shown on my messages). */
  read: boolean;
  mediaUrl: (path: string) => string;
}

/**
 * One message as a list item: text, or an attachment with a preview (images) and a download link.
 * An internal note is marked "Internal note" and styled apart (Note.tsx).
 */
export function MessageItem({ message, mine, colleague, senderName, read, mediaUrl }: MessageItemProps) {
  const kind =
    message.sender === 'system' || message.type === 'system'
      ? 'system'
      : mine
        ? 'mine'
        : colleague
          ? 'colleague'
          : 'theirs';
  const note = message.visibility === 'agents';
  return (
    <li class={`console__message console__message--${kind}${note ? ' console__message--note' : ''}`}>
      <div
        class={`sb-bubble${kind === 'mine' ? ' sb-bubble--mine' : kind === 'system' ? ' sb-bubble--system' : ''}${note ? ' console__note' : ''}`}
      >
        {note ? <NoteTag /> : null}
        {colleague && kind !== 'system' ? (
          <span class="console__sender">{senderName}</span>
        ) : kind !== 'system' ? (
          <span class="sb-visually-hidden">{senderName}: </span>
        ) : null}
        {message.type === 'media' && typeof message.message !== 'string' ? (
          <Attachment media={message.message} mediaUrl={mediaUrl} />
        ) : (
          <span class="console__text">{String(message.message)}</span>
        )}
        <span class="sb-meta">
          {' '}
          {clock(message.created)}
          {mine && !note ? <span class="console__receipt">{read ? ' · Read' : ' · Sent'}</span> : null}
        </span>
      </div>
    </li>
  );
}

function Attachment({ media, mediaUrl }: { media: MediaRef; mediaUrl: (path: string) => string }) {
  const url = mediaUrl(media.url);
  return (
    <span class="console__attachment">
      {media.type.startsWith('image/') ? (
        <img class="console__preview" src={url} alt={media.name} loading="lazy" />
      ) : null}
      <a href={url} download={media.name} class="console__download">
        <Icon name="download" size={16} /> {media.name} <span class="sb-meta">({bytes(media.size)})</span>
      </a>
    </span>
  );
}
