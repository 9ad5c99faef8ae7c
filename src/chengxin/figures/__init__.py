"""Public figures of a node (公开统计): the counts on its landing page."""
