import { useState } from 'preact/hooks';

interface FormProps {
  name: string;
  email: string;
  busy: boolean;
}

/** The pre-chat form: who the visitor is, so an agent can answer after the chat too. */
export function PreChat(props: FormProps & { onStart(name: string, email: string): void }) {
  const [name, setName] = useState(props.name);
  const [email, setEmail] = useState(props.email);
  return (
    <form
      class="form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onStart(name.trim(), email.trim());
      }}
    >
      <p class="lead">Hi! Tell us who you are and an agent will be with you shortly.</p>
      <label>
        Name
        <input
          name="name"
          autocomplete="name"
          required
          maxLength={200}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <label>
        Email
        <input
          name="email"
          type="email"
          autocomplete="email"
          required
          maxLength={200}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <button class="primary" type="submit" disabled={props.busy}>
        {props.busy ? 'Starting…' : 'Start chat'}
      </button>
    </form>
  );
}

/** Nobody online: the message becomes a ticket, answered by email. */
export function LeaveMessage(props: FormProps & { onSend(name: string, email: string, text: string): void }) {
  const [name, setName] = useState(props.name);
  const [email, setEmail] = useState(props.email);
  const [text, setText] = useState('');
  return (
    <form
      class="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) props.onSend(name.trim(), email.trim(), text.trim());
      }}
    >
      <p class="lead">Nobody is available to chat right now. Leave a message and we will answer by email.</p>
      <label>
        Name
        <input
          name="name"
          autocomplete="name"
          required
          maxLength={200}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <label>
        Email
        <input
          name="email"
          type="email"
          autocomplete="email"
          required
          maxLength={200}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <label>
        Message
        <textarea
          name="message"
          required
          rows={4}
          maxLength={65536}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <button class="primary" type="submit" disabled={props.busy}>
        {props.busy ? 'Sending…' : 'Send message'}
      </button>
    </form>
  );
}
