"""The dashboard: server-rendered pages, our own small CSS/JS, SVG charts."""
