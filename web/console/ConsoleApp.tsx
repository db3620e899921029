export function ConsoleApp() {
  return <main class="sb-app">Agent console</main>;
}
