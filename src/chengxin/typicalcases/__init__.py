"""Typical cases (典型案例, R-7.1): stories of integrity and warnings of dishonesty, published on
the public site only with the consent of the person they are about."""
