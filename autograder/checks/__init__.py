"""One module per check kind; each registers itself with ``autograder.registry.register``."""
