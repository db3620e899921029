import { useEffect, useState } from 'preact/hooks';

export interface CountdownRingProps {
  /** Unix seconds at which the countdown ends (an invitation's `expires`). */
  expires: number;
  /** Unix seconds at which it started (the invitation's `created`); sets how full the ring starts. */
  started: number;
  size?: number;
}

/** A ring that empties towards `expires`, with the seconds left in its middle. */
export function CountdownRing({ expires, started, size = 44 }: CountdownRingProps) {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), 250);
    return () => clearInterval(timer);
  }, []);
  const total = Math.max(1, expires - started);
  const left = Math.max(0, expires - now);
  const radius = size / 2 - 4;
  const circumference = 2 * Math.PI * radius;
  const seconds = Math.ceil(left);
  return (
    <svg
      class={`sb-ring${left <= 5 ? ' sb-ring--urgent' : ''}`}
      width={size}
      height={size}
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={`${seconds} seconds left`}
    >
      <circle class="sb-ring__track" cx={size / 2} cy={size / 2} r={radius} fill="none" stroke-width="4" />
      <circle
        class="sb-ring__arc"
        cx={size / 2}
        cy={size / 2}
        r={radius}
        fill="none"
        stroke-width="4"
        stroke-linecap="round"
        stroke-dasharray={circumference}
        stroke-dashoffset={circumference * (1 - left / total)}
        transform={`rotate(-90 ${size / 2} ${size / 2})`}
      />
      <text x="50%" y="50%" dominant-baseline="central" text-anchor="middle">
        {seconds}
      </text>
    </svg>
  );
}
