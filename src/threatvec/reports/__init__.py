"""Reports: the Board Pack bundle (posture, brief, top risks and every framework's evidence)."""
