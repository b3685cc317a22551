// ReDoc on our own spec; fonts come from the system, not a font CDN.
Redoc.init("/openapi.json", { hideDownloadButton: false, disableSearch: false }, document.getElementById("redoc"));
