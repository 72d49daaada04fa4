"""The project's forge (GitHub, GitHub Enterprise, GitLab): its link, and commit statuses set there."""
