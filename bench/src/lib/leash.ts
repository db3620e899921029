/**
 * Preloaded (`node --import`) into every process the harness starts, the server under test included
 * (which stays untouched): the process stops by itself when the harness goes away or its time is up.
 */
const limit = Number(process.env.BENCH_MAX_SECONDS ?? '900');
const stop = () => {
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 5000).unref();
};
if (process.channel) {
  process.on('disconnect', stop);
  // The IPC channel must not keep a process alive that would otherwise exit.
  process.channel.unref();
}
setTimeout(stop, limit * 1000).unref();
