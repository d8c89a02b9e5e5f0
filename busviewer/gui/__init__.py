"""Qt widgets, canvas items, controllers and workers."""
