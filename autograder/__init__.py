"""The rubric engine: check kinds registered by name, the browser pool, reports, grading jobs."""
