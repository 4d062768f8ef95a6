"""Docker: the engine, compose projects, throwaway stacks and image builds."""

# A cold start of the whole stack takes about a minute on an idle 2-core machine and was
# seen to take four at load 8-10 (shared CI runners); this bounds a hung one, not a slow one.
DEFAULT_WAIT_TIMEOUT = 600
