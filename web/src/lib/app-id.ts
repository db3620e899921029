/**
 * The app a sign-in page prefills: `?appId=` in the URL, else the server's only app (`GET
 * /console/app.json`, a page helper outside `/v1`, hence read here and not through the SDK), else ''.
 */
export async function suggestedAppId(): Promise<string> {
  const fromUrl = new URLSearchParams(location.search).get('appId');
  if (fromUrl) return fromUrl;
  try {
    const response = await fetch('/console/app.json');
    if (!response.ok) return '';
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && 'appId' in body && typeof body.appId === 'string'
      ? body.appId
      : '';
  } catch {
    return '';
  }
}
