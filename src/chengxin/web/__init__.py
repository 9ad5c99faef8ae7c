"""Server-rendered pages. The full portals come with issue G; this holds the landing page."""
