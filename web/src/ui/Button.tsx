import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: 'primary' | 'secondary' | 'danger';
  small?: boolean;
  children?: ComponentChildren;
};

/** A real <button> (keyboard and screen readers for free); type="button" unless told otherwise. */
export function Button({ variant = 'primary', small, class: extra, type, ...rest }: ButtonProps) {
  const classes = ['sb-btn', variant !== 'primary' && `sb-btn--${variant}`, small && 'sb-btn--small', extra]
    .filter(Boolean)
    .join(' ');
  return <button type={type ?? 'button'} class={classes} {...rest} />;
}
