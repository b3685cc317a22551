"""One module per dashboard area; each exposes `router`."""
