export function AdminApp() {
  return <main class="sb-app">Admin</main>;
}
