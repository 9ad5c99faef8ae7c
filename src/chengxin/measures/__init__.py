"""Joint reward and punishment (守信联合激励和失信联合惩戒): measures, checks, feedback,
commitments (R-6.2 to R-6.4, R-7.2)."""
