"""The web page: a Starlette app (`strainwatch serve`, and the daemon) over the same views as
the commands. Pages are rendered on the server, charts are SVG, no script runs in the page;
every page has a JSON twin with the commands' contract keys.

Starlette, uvicorn and argon2 come with the `web` extra and are imported only here.
"""
