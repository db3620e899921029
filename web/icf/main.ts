/**
 * icf.sdk.js (docs/icf.md): defines `window.ICF`, HyperChat's browser SDK on Switchboard. The server
 * defaults to the origin this script was loaded from (`<script id="inbenta-jssdk" src=…>`).
 */
import { Icf } from './icf.ts';

const script =
  (document.currentScript as HTMLScriptElement | null) ??
  (document.getElementById('inbenta-jssdk') as HTMLScriptElement | null);
const origin = script?.src ? new URL(script.src).origin : location.origin;
const host = window as unknown as { ICF?: Icf };
host.ICF ??= new Icf(origin);
