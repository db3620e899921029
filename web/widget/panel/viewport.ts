/**
 * Mobile: the panel fills the visual viewport, which shrinks when the on-screen keyboard opens, so the
 * composer at its bottom always stays above the keyboard (the layout viewport does not shrink on iOS).
 */
export function followVisualViewport(panel: HTMLElement): () => void {
  const viewport = window.visualViewport;
  if (!viewport) return () => undefined;
  const update = () => {
    panel.style.setProperty('--sb-vv-height', `${viewport.height}px`);
    panel.style.setProperty('--sb-vv-top', `${viewport.offsetTop}px`);
  };
  update();
  viewport.addEventListener('resize', update);
  viewport.addEventListener('scroll', update);
  return () => {
    viewport.removeEventListener('resize', update);
    viewport.removeEventListener('scroll', update);
  };
}
