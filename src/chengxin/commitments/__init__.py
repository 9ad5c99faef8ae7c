"""Credit commitments (信用承诺, R-7.2): recorded, tracked, and a broken one becomes a record."""
