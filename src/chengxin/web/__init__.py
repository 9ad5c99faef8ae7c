"""Server-rendered pages (issue G): the layout, languages (zh ⇄ en), error pages and the public
site — the landing page, publicity of the lists (R-6.5) and the knowledge pages (R-7.1)."""
