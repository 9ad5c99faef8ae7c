"""Reloads of the catalog and measures (目录与措施重新载入): one process checks and loads the
operator's folders again; every other process of the node follows."""
