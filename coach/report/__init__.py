"""The progress report in the browser: one self-contained HTML file (`page.render_html`),
with inline SVG charts (`charts`), one inline stylesheet and script (`assets`) and the
recordings embedded or linked (`audio`)."""
