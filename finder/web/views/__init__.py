"""HTTP views: thin — parse arguments, call the domain, render."""
