"""What every server-side layer needs: settings, errors, keys, signing, HTTP, crypto."""
