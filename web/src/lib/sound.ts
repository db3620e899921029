/** A short two-tone chime made with WebAudio: no audio file to download, nothing to decode. */
export class Chime {
  /** Made on the first chime: browsers allow audio only after the person has used the page. */
  #context: AudioContext | undefined;

  play(): void {
    try {
      this.#context ??= new AudioContext();
      const context = this.#context;
      if (context.state === 'suspended') void context.resume();
      const start = context.currentTime;
      for (const [offset, frequency] of [
        [0, 880],
        [0.18, 660],
      ] as const) {
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, start + offset);
        gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.16);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(start + offset);
        oscillator.stop(start + offset + 0.17);
      }
    } catch {
      // No audio device or autoplay refused: the title badge and the dialog still tell the agent.
    }
  }
}
