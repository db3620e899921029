/** The design system: import the CSS once per app (`ui/styles.css`), then these components. */
export { Banner, ErrorNote } from './Banner.tsx';
export { Button, type ButtonProps } from './Button.tsx';
export { CountdownRing } from './CountdownRing.tsx';
export { Field, SelectField } from './Field.tsx';
export { Icon, type IconName } from './Icon.tsx';
