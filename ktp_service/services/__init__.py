"""Service layer: the rules of the application. Services take a session and an :class:`Actor`, flush but
never commit (the request scope or the CLI's unit of work commits once)."""
