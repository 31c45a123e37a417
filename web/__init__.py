"""The web edge: Litestar app factory, controllers and templates. Imports the domain packages,
never the reverse."""
