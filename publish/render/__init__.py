"""Render: the theme's templates filled with the pieces and the front and back matter, for each edition."""
