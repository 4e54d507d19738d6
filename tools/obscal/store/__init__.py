"""Storage: the data package in a work tree or a git commit, git itself, cameras and sidecar records."""
