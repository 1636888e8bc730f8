/**
 * The card's styles, applied as a constructable stylesheet (adoptedStyleSheets on the shadow
 * root): a partner page with a strict Content-Security-Policy (no 'unsafe-inline' in style-src)
 * blocks <style> elements and style="" attributes, but not constructed stylesheets. Everything is
 * scoped to the shadow root; the partner's CSS cannot reach in and ours cannot leak out.
 */
export const widgetCss = `
:host{all:initial;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;z-index:2147483000}
:host([data-position=bottom-right]){position:fixed;right:16px;bottom:16px}
:host([data-position=bottom-left]){position:fixed;left:16px;bottom:16px}
:host([data-position=inline]){display:block}
.card{box-sizing:border-box;max-width:360px;background:#fff;border:1px solid #d6dbe4;border-radius:12px;padding:14px 16px;box-shadow:0 6px 24px rgba(0,0,0,.12)}
h2{font-size:15px;margin:0 0 8px}
p{margin:0 0 8px}
.row{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-top:10px}
button{font:inherit;border-radius:8px;border:1px solid #9aa5b8;background:#fff;color:inherit;padding:6px 14px;cursor:pointer}
button.primary{background:#2b59c3;border-color:#2b59c3;color:#fff}
button:focus-visible{outline:2px solid #2b59c3;outline-offset:2px}
a{color:#2b59c3;font-size:13px}
.status{font-weight:600}
iframe{display:block;border:0;width:100%;height:0;margin-top:8px;color-scheme:normal}
:host([data-theme=dark]) .card,:host([data-theme=dark]) button:not(.primary){background:#1c2130;color:#e8ebf2;border-color:#3a4358}
:host([data-theme=dark]) a{color:#8fb0ff}
@media (prefers-color-scheme:dark){:host([data-theme=auto]) .card,:host([data-theme=auto]) button:not(.primary){background:#1c2130;color:#e8ebf2;border-color:#3a4358}:host([data-theme=auto]) a{color:#8fb0ff}}
`
