"""Docker: the engine, compose projects, throwaway stacks and image builds."""
