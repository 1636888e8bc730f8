/**
 * The page served instead of the app when the app directory has no index.html, so that a fresh
 * checkout started without a build explains itself instead of answering 404s.
 */
export function appMissingPage({ appDir }: { appDir: string }): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Inference Grid: the web app is not built</title>
  </head>
  <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
    <h1>The web app is not built yet</h1>
    <p>The gateway is running, but <code>${escapeHtml(appDir)}</code> has no <code>index.html</code>.</p>
    <p>Run <code>npm run build</code> in the project directory and reload this page,
      or restart the gateway with <code>npm start</code>, which builds the app when it is missing.</p>
    <p>The API and <a href="/healthz">/healthz</a> work meanwhile.</p>
  </body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )
}
