import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes } from 'preact';

export type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  /** The visible label, which is also the input's accessible name. */
  label: string;
  hint?: ComponentChildren;
};

/** A labelled text input: the <label> wraps the input, so its text is the input's accessible name. */
export function Field({ label, hint, class: extra, ...rest }: FieldProps) {
  return (
    <label class={['sb-field', extra].filter(Boolean).join(' ')}>
      <span>{label}</span>
      <input class="sb-input" {...rest} />
      {hint ? <small class="sb-hint">{hint}</small> : null}
    </label>
  );
}

export type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  children?: ComponentChildren;
};

export function SelectField({ label, children, class: extra, ...rest }: SelectProps) {
  return (
    <label class={['sb-field', extra].filter(Boolean).join(' ')}>
      <span>{label}</span>
      <select class="sb-select" {...rest}>
        {children}
      </select>
    </label>
  );
}
