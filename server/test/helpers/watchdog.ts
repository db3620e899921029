/**
 * A watchdog for the processes a test starts (`node test/helpers/watchdog.ts`, with an IPC channel).
 * The test sends `{ watch: pid }` for each child it starts and `{ forget: pid }` for each it has
 * stopped itself. When the channel goes away — the test runner exited, crashed or was killed with
 * SIGKILL, so no `after` hook or exit handler ran — every pid still watched gets SIGKILL. Nothing a
 * test starts outlives it, Redis included.
 */
const watched = new Set<number>();

function killAll(): void {
  for (const pid of watched) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  watched.clear();
}

process.on('message', (message: { watch?: number; forget?: number }) => {
  if (typeof message.watch === 'number') watched.add(message.watch);
  if (typeof message.forget === 'number') watched.delete(message.forget);
});
process.on('disconnect', () => {
  killAll();
  process.exit(0);
});
// A watchdog that outlives a test by more than this is itself stray: clean up and go.
setTimeout(
  () => {
    killAll();
    process.exit(0);
  },
  Number(process.env.WATCHDOG_MAX_SECONDS ?? '1800') * 1000,
).unref();
process.channel?.ref();
